import { concatMap, map, toArray, type Observable } from "rxjs";
import { InvalidArgumentError } from "../../errors/containerd-error.js";
import type { CallOptions } from "../../services/call-options.js";
import type { Services } from "../../services/services.js";
import { validated } from "../rx/validated.js";
import { filterList } from "../events/filters.js";

/** A mount as containerd describes it (`containerd.types.Mount`), e.g. an overlay of snapshot dirs. */
export interface SnapshotMount {
  readonly type: string;
  readonly source: string;
  readonly target: string;
  readonly options: readonly string[];
}

/** A snapshot's metadata (`Snapshots.Stat`). `kind`: committed (a layer), active (writable) or view. */
export interface SnapshotInfo {
  readonly name: string;
  readonly parent: string;
  readonly kind: "view" | "active" | "committed" | "unknown";
  readonly createdAt?: Date;
  readonly updatedAt?: Date;
  readonly labels: Readonly<Record<string, string>>;
}

/** Disk usage of a snapshot (`Snapshots.Usage`). */
export interface SnapshotUsage {
  readonly size: number;
  readonly inodes: number;
}

/** Options of prepare$, view$ and commit$. */
export interface SnapshotOptions extends CallOptions {
  readonly labels?: Readonly<Record<string, string>>;
}

const KINDS = ["unknown", "view", "active", "committed"] as const;
type RawInfo = {
  name: string;
  parent: string;
  kind: number;
  createdAt: Date | undefined;
  updatedAt: Date | undefined;
  labels: { [k: string]: string };
};
function toInfo(i: RawInfo | undefined): SnapshotInfo {
  return {
    name: i?.name ?? "",
    parent: i?.parent ?? "",
    kind: KINDS[i?.kind ?? 0] ?? "unknown",
    ...(i?.createdAt ? { createdAt: i.createdAt } : {}),
    ...(i?.updatedAt ? { updatedAt: i.updatedAt } : {}),
    labels: { ...(i?.labels ?? {}) },
  };
}
const toMounts = (r: {
  mounts: { type: string; source: string; target: string; options: string[] }[];
}): SnapshotMount[] =>
  r.mounts.map(({ type, source, target, options }) => ({ type, source, target, options: [...options] }));
const checkKey = (what: string, k: string) =>
  typeof k === "string" && k !== "" ? undefined : new InvalidArgumentError(`snapshot ${what} must not be empty`);

/**
 * One snapshotter of the client's namespace: `client.snapshots({ snapshotter: "overlayfs" })`. Thin domain
 * wrappers over the Snapshots service; every method is cold (the RPC fires on subscribe, an
 * unsubscribe cancels it); empty keys are InvalidArgumentError (no RPC). Snapshots that nothing
 * references (a container, an image's `containerd.io/gc.ref.snapshot.*` label, a lease, a child)
 * are garbage-collected: prepare under a lease (`CallOptions.lease`).
 *
 * @example
 * ```ts
 * const sn = client.snapshots({ snapshotter: "overlayfs" });
 * sn.prepare$("scratch", chainId, { lease: leaseId }).subscribe((mounts) => console.log(mounts));
 * ```
 */
export class Snapshotter {
  /** @internal */
  constructor(
    private readonly services: Services,
    private readonly namespace: string,
    readonly name: string,
  ) {}

  private call(options?: CallOptions): CallOptions {
    return { ...options, namespace: this.namespace };
  }

  /** Snapshots.Prepare: an active (writable) snapshot `key` on top of `parent` (a committed name, or "" for empty); emits its mounts. AlreadyExistsError, NotFoundError (parent). */
  prepare$(key: string, parent = "", options: SnapshotOptions = {}): Observable<SnapshotMount[]> {
    const { labels, ...call } = options;
    return validated(
      () => checkKey("key", key),
      () =>
        this.services.snapshots
          .prepare$({ snapshotter: this.name, key, parent, labels: { ...labels } }, this.call(call))
          .pipe(map(toMounts)),
    );
  }

  /** Snapshots.View: a read-only snapshot `key` of `parent`; emits its mounts. */
  view$(key: string, parent = "", options: SnapshotOptions = {}): Observable<SnapshotMount[]> {
    const { labels, ...call } = options;
    return validated(
      () => checkKey("key", key),
      () =>
        this.services.snapshots
          .view$({ snapshotter: this.name, key, parent, labels: { ...labels } }, this.call(call))
          .pipe(map(toMounts)),
    );
  }

  /** Snapshots.Mounts of an active snapshot or view; emits them. NotFoundError. */
  mounts$(key: string, options?: CallOptions): Observable<SnapshotMount[]> {
    return validated(
      () => checkKey("key", key),
      () => this.services.snapshots.mounts$({ snapshotter: this.name, key }, this.call(options)).pipe(map(toMounts)),
    );
  }

  /** Snapshots.Commit: the active snapshot `key` becomes the committed `name` (and `key` is gone). Emits `undefined`. AlreadyExistsError if `name` exists. */
  commit$(name: string, key: string, options: SnapshotOptions = {}): Observable<void> {
    const { labels, ...call } = options;
    return validated(
      () => checkKey("name", name) ?? checkKey("key", key),
      () =>
        this.services.snapshots
          .commit$({ snapshotter: this.name, name, key, labels: { ...labels } }, this.call(call))
          .pipe(map(() => undefined)),
    );
  }

  /** Snapshots.Remove; emits `undefined`. NotFoundError; FailedPreconditionError if it has children. */
  remove$(key: string, options?: CallOptions): Observable<void> {
    return validated(
      () => checkKey("key", key),
      () =>
        this.services.snapshots.remove$({ snapshotter: this.name, key }, this.call(options)).pipe(map(() => undefined)),
    );
  }

  /** Snapshots.Stat; emits the snapshot's metadata. NotFoundError. */
  stat$(key: string, options?: CallOptions): Observable<SnapshotInfo> {
    return validated(
      () => checkKey("key", key),
      () =>
        this.services.snapshots
          .stat$({ snapshotter: this.name, key }, this.call(options))
          .pipe(map((r) => toInfo(r.info))),
    );
  }

  /** Snapshots.List with filters (ORed), e.g. `parent==sha256:…`, `labels.x==y`; emits one array. */
  list$(filters: string | readonly string[] = [], options?: CallOptions): Observable<SnapshotInfo[]> {
    return this.services.snapshots
      .list$({ snapshotter: this.name, filters: filterList(filters) }, this.call(options))
      .pipe(
        concatMap((r) => r.info.map(toInfo)),
        toArray(),
      );
  }

  /** Snapshots.Usage: bytes and inodes the snapshot uses on disk. NotFoundError. */
  usage$(key: string, options?: CallOptions): Observable<SnapshotUsage> {
    return validated(
      () => checkKey("key", key),
      () =>
        this.services.snapshots
          .usage$({ snapshotter: this.name, key }, this.call(options))
          .pipe(map((r) => ({ size: r.size.toNumber(), inodes: r.inodes.toNumber() }))),
    );
  }
}
