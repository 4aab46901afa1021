import { hostname } from "node:os";
import { catchError, concatMap, throwError, type Observable } from "rxjs";
import {
  AlreadyExistsError,
  FailedPreconditionError,
  InvalidArgumentError,
  type ContainerdError,
} from "../../errors/containerd-error.js";
import { isAlreadyExists, isNotFound } from "../../errors/guards.js";
import type { CallOptions } from "../../services/call-options.js";
import { jsonAny, nsOptions, SPEC_TYPE_URL, toAny, type DomainContext } from "../client/context.js";
import type { AnyValue } from "./container-info.js";
import { checkIdentifier } from "../client/identifiers.js";
import { checkLabels } from "../client/labels.js";
import { readUserFiles } from "../images/user-files.js";
import { resolveImage } from "../images/image-reader.js";
import type { Platform } from "../oci/media-types.js";
import { parsePlatform } from "../oci/platforms.js";
import { temporaryLease } from "../content/temporary-lease.js";
import { defaultSpec } from "../spec/default-spec.js";
import { applySpecOpts, type SpecOpt, type SpecContext } from "../spec/spec-opts.js";
import { withEnv, withHostname, withMounts, withProcessArgs, withProcessCwd, withTTY } from "../spec/process-opts.js";
import { withImageConfig } from "../spec/image-opts.js";
import { withUser } from "../spec/user-opts.js";
import { withPrivileged } from "../spec/security-opts.js";
import { withAllDevicesAllowed, withHostDevices } from "../spec/device-opts.js";
import { withHostHostsFile, withHostResolvconf } from "../spec/host-files.js";
import { withHostNamespace } from "../spec/linux-opts.js";
import type { Mount } from "../spec/types.js";
import { transaction$ } from "../rx/transaction.js";
import { parseSignal } from "../tasks/signals.js";
import { STOP_SIGNAL_LABEL } from "./stop-signal.js";
import type { RootfsHint } from "../tasks/new-task.js";

/** Options of `client.containers.create$(id, options)`. */
export interface CreateContainerOptions {
  /** Image name (`docker.io/library/busybox:latest`); it must be unpacked for the snapshotter. */
  readonly image?: string;
  /** Command; replaces the image's Cmd (its Entrypoint still comes first). */
  readonly args?: readonly string[];
  /** Environment, merged over the image's by key. */
  readonly env?: readonly string[] | Readonly<Record<string, string>>;
  readonly cwd?: string;
  /** `uid`, `uid:gid`, or names resolved from the image's /etc/passwd and /etc/group. */
  readonly user?: string;
  readonly hostname?: string;
  readonly tty?: boolean;
  readonly labels?: Readonly<Record<string, string>>;
  /**
   * Labels the container with the image's `StopSignal`, or this signal when the image has none
   * ({@link STOP_SIGNAL_LABEL}; Go's `WithImageStopSignal`, which `ctr run` applies with
   * `SIGTERM`). `task.stop$()` sends it. A stop-signal label in `labels` wins.
   * InvalidArgumentError for an unknown signal, before any RPC.
   */
  readonly imageStopSignal?: string;
  /** Default `overlayfs`. */
  readonly snapshotter?: string;
  /** Default `io.containerd.runc.v2`. */
  readonly runtime?: string | { readonly name: string; readonly options?: AnyValue };
  readonly mounts?: readonly Mount[];
  /**
   * The host's network (`ctr run --net-host`): no network namespace of its own, read-only bind
   * mounts of the daemon host's `/etc/hosts` and `/etc/resolv.conf`, and `HOSTNAME` in the
   * environment: the `hostname` option when given, else this process's host name (what `ctr`
   * sets; on a remote daemon, give `hostname`). See docs/lifecycle.md, "Host network and
   * privileged containers".
   */
  readonly hostNetwork?: boolean;
  /**
   * A privileged container (`ctr run --privileged`): {@link withPrivileged} (this process's
   * capabilities, no masked or read-only paths, writeable sysfs, no seccomp, AppArmor or SELinux
   * label), every device allowed, and this host's `/dev` device nodes; `{ hostDevices: false }`
   * leaves the device nodes out (`--privileged-without-host-devices`). Capabilities and devices
   * are read from the host this process runs on: use it with a daemon on the same host.
   */
  readonly privileged?: boolean | { readonly hostDevices: boolean };
  /**
   * The sandbox the container joins (Go's `WithSandbox`; containerd 1.7 and 2.x store it as the
   * record's `sandbox`, 1.6 ignores it). The sandbox itself is made through the raw
   * `client.services.sandboxStore` / `sandboxController`.
   */
  readonly sandbox?: string;
  /** Extra spec options, applied last. */
  readonly spec?: readonly SpecOpt[];
  readonly extensions?: Readonly<Record<string, AnyValue>>;
  /**
   * Platform to pick from a multi-platform image: an object (with `variant`, e.g. `v7` for
   * `arm`) or `os/arch[/variant]`. Chosen as pull and unpack choose (`selectManifest` from `rxcontainerd/oci`,
   * containerd's `platforms.Only`), so it finds the manifest `pull$({ platform, unpack: true })`
   * unpacked. Default: the host's platform ({@link DEFAULT_PLATFORM}). InvalidArgumentError for a
   * malformed string.
   */
  readonly platform?: Platform | string;
}

function specOpts(o: CreateContainerOptions, fromImage: boolean): SpecOpt[] {
  const opts: SpecOpt[] = [];
  if (fromImage) opts.push(withImageConfig(o.args));
  else if (o.args) opts.push(withProcessArgs(...o.args));
  if (o.env) opts.push(withEnv(Array.isArray(o.env) ? [...o.env] : { ...(o.env as Record<string, string>) }));
  if (o.cwd) opts.push(withProcessCwd(o.cwd));
  if (o.user) opts.push(withUser(o.user));
  if (o.hostname) opts.push(withHostname(o.hostname));
  if (o.tty) opts.push(withTTY(true));
  if (o.mounts) opts.push(withMounts(o.mounts));
  if (o.privileged) {
    opts.push(withPrivileged());
    if (o.privileged === true || o.privileged.hostDevices) opts.push(withAllDevicesAllowed(), withHostDevices());
  }
  if (o.hostNetwork) {
    opts.push(withHostNamespace("network"), withHostHostsFile(), withHostResolvconf());
    opts.push(withEnv([`HOSTNAME=${o.hostname ?? hostname()}`]));
  }
  return [...opts, ...(o.spec ?? [])];
}

/** InvalidArgumentError unless `signal` (when given) names a signal. */
function checkStopSignal(signal: string | undefined): ContainerdError | undefined {
  if (signal === undefined) return undefined;
  const n = typeof signal === "string" ? parseSignal(signal) : undefined;
  return typeof n === "number"
    ? undefined
    : new InvalidArgumentError(`imageStopSignal: ${JSON.stringify(signal)} is not a signal`);
}

/** What create$ made: the id, and the snapshot it prepared (a hint for `newTask$`). @internal */
export interface CreatedContainer {
  readonly id: string;
  readonly rootfs?: RootfsHint;
}

/**
 * The create$ transaction: lease and image (Images.Get + manifest + config, cached by digest) at
 * once, spec, Snapshots.Prepare(key = id, parent = top chain ID; NotFound = not unpacked),
 * Containers.Create — rolled back (container, snapshot) on failure or unsubscribe; the lease is
 * always deleted at the end.
 * @internal
 */
export function createContainer$(
  ctx: DomainContext,
  id: string,
  o: CreateContainerOptions,
  options?: CallOptions,
): Observable<CreatedContainer> {
  return transaction$(
    async (tx) => {
      const bad: ContainerdError | undefined =
        checkIdentifier("container id", id) ??
        checkLabels("container labels", o.labels) ??
        checkStopSignal(o.imageStopSignal);
      if (bad) throw bad;
      const { services } = ctx;
      const snapshotter = o.snapshotter ?? "overlayfs";
      const platform = typeof o.platform === "string" ? parsePlatform(o.platform) : o.platform;
      // The lease and the image's records at once: reading needs no lease, only what is created
      // (snapshot, container) does. Both settle before going on, so that a lease created while the
      // image failed is still deleted (its finally-step is registered when Leases.Create returns).
      const [leased, resolved] = await Promise.allSettled([
        temporaryLease(tx, services, ctx.namespace),
        o.image ? resolveImage(services, o.image, platform, nsOptions(ctx, options), ctx.blobs) : undefined,
      ]);
      if (leased.status === "rejected") throw leased.reason;
      if (resolved.status === "rejected") throw resolved.reason;
      const lease = leased.value;
      const call = nsOptions(ctx, { ...options, lease });
      let specCtx: SpecContext = { namespace: ctx.namespace, id };
      let snapshotKey = "";
      const image = resolved.value;
      const stopSignal =
        o.imageStopSignal !== undefined && image && o.labels?.[STOP_SIGNAL_LABEL] === undefined
          ? { [STOP_SIGNAL_LABEL]: image.config.config?.StopSignal || o.imageStopSignal }
          : {};
      if (o.image && image) {
        const config = image.config.config ?? {};
        // Any user needs the image's files, a numeric one too: containerd's WithUserID takes the gid
        // of the uid's /etc/passwd entry (0 only when there is none), and WithAdditionalGIDs reads
        // /etc/group for the supplementary groups of that user. Without a user, WithImageConfig
        // still gives root the groups that /etc/group lists it in (WithAdditionalGIDs("root")).
        const users = [o.user, config.User].filter((u): u is string => typeof u === "string" && u !== "");
        const files = await readUserFiles(ctx, image, users, call);
        specCtx = { ...specCtx, image: { config, ...files } };
        const spec = applySpecOpts(defaultSpec(ctx.namespace, id), specCtx, specOpts(o, true));
        // No Snapshots.Stat of the parent first (as Go's WithNewSnapshot): Prepare answers NotFound
        // when the image is not unpacked for this snapshotter, and that is the error we report.
        await tx.step(
          services.snapshots.prepare$({ snapshotter, key: id, parent: image.chainId }, call).pipe(
            catchError((e: unknown) => {
              if (isAlreadyExists(e)) return duplicate(e);
              if (isNotFound(e)) return throwError(() => notUnpacked(image.chainId, e));
              return throwError(() => e);
            }),
          ),
        );
        tx.onRollback(() => services.snapshots.remove$({ snapshotter, key: id }, nsOptions(ctx)));
        snapshotKey = id;
        return create(spec);
      }
      return create(applySpecOpts(defaultSpec(ctx.namespace, id), specCtx, specOpts(o, false)));

      function notUnpacked(chain: string, cause: ContainerdError): FailedPreconditionError {
        return new FailedPreconditionError(
          `image "${o.image}" is not unpacked for snapshotter "${snapshotter}" (no snapshot ${chain}); unpack it first`,
          { cause },
        );
      }

      /** The snapshot is keyed by the container id: say so when the container is what exists. */
      function duplicate(e: ContainerdError): Observable<never> {
        return services.containers.get$({ id }, call).pipe(
          catchError(() => throwError(() => e)),
          concatMap(() => throwError(() => new AlreadyExistsError(`container "${id}" already exists`, { cause: e }))),
        );
      }

      async function create(spec: unknown): Promise<CreatedContainer> {
        const runtime =
          typeof o.runtime === "string" || o.runtime === undefined
            ? { name: o.runtime ?? "io.containerd.runc.v2" }
            : o.runtime;
        await tx.step(
          services.containers.create$(
            {
              container: {
                id,
                image: o.image ?? "",
                labels: { ...o.labels, ...stopSignal },
                runtime: { name: runtime.name, options: runtime.options && toAny(runtime.options) },
                spec: jsonAny(SPEC_TYPE_URL, spec),
                snapshotter: snapshotKey ? snapshotter : "",
                snapshotKey,
                extensions: Object.fromEntries(Object.entries(o.extensions ?? {}).map(([k, v]) => [k, toAny(v)])),
                sandbox: o.sandbox ?? "",
              },
            },
            call,
          ),
        );
        tx.onRollback(() => services.containers.delete$({ id }, nsOptions(ctx)));
        return snapshotKey ? { id, rootfs: { snapshotter, key: snapshotKey } } : { id };
      }
    },
    (done) => ctx.inflight.track(ctx.namespace, id, done),
  );
}
