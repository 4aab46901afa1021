import { concatMap, lastValueFrom, map, throwError, type Observable } from "rxjs";
import { FailedPreconditionError, NotFoundError } from "../../errors/containerd-error.js";
import { isNotFound } from "../../errors/guards.js";
import type { CallOptions } from "../../services/call-options.js";
import { parseSpec, toContainerInfo, type AnyValue, type ContainerInfo } from "./container-info.js";
import { jsonAny, nsOptions, SPEC_TYPE_URL, toAny, type DomainContext } from "../client/context.js";
import { mapNotFound, type LoadProcessOptions } from "../tasks/exec.js";
import { ioTarget } from "../io/io-target.js";
import { checkLabels } from "../client/labels.js";
import { validated } from "../rx/validated.js";
import { cancellable } from "../rx/cancellable.js";
import { newTask$, type NewTaskOptions, type RootfsHint } from "../tasks/new-task.js";
import type { Spec } from "../spec/types.js";
import { TaskImpl, type Task } from "../tasks/task.js";
import type { Signal } from "../tasks/signals.js";
import { stopSignal$ } from "./stop-signal.js";

/** The image a container was created from (Images.Get). */
export interface ImageRecord {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly target: { readonly mediaType: string; readonly digest: string; readonly size: number };
}

/** Fields `update$` may change (a full replace of those given, as the Go client's Update). */
export interface ContainerUpdate {
  readonly labels?: Readonly<Record<string, string>>;
  readonly spec?: Spec;
  readonly image?: string;
  readonly snapshotKey?: string;
  readonly snapshotter?: string;
  readonly runtime?: { readonly name: string; readonly options?: AnyValue };
  readonly extensions?: Readonly<Record<string, AnyValue>>;
}

/**
 * A container: metadata (spec, image, snapshot, labels) plus at most one task. Cold Observables;
 * every RPC fires on subscribe.
 *
 * @example
 * ```ts
 * client.containers.load$("web").pipe(concatMap((c) => c.labels$())).subscribe(console.log);
 * ```
 */
export interface Container {
  readonly id: string;
  /** Containers.Get. NotFoundError once deleted. */
  info$(options?: CallOptions): Observable<ContainerInfo>;
  /** The decoded OCI spec. */
  spec$(options?: CallOptions): Observable<Spec>;
  /** The image record. NotFoundError `container not created from an image` when there is none. */
  image$(options?: CallOptions): Observable<ImageRecord>;
  labels$(options?: CallOptions): Observable<Record<string, string>>;
  /**
   * Containers.Get, then the container's stop signal: its {@link STOP_SIGNAL_LABEL} label, else
   * SIGTERM (Go's `GetStopSignal`). What `task.stop$()` sends first. InvalidArgumentError for a
   * label that names no signal; NotFoundError once deleted.
   *
   * @example
   * ```ts
   * container.stopSignal$().pipe(concatMap((signal) => task.kill$(signal))); // as `ctr task kill`
   * ```
   */
  stopSignal$(options?: CallOptions): Observable<Signal>;
  /** Sets the given labels (an empty value deletes one), leaving others; emits the resulting labels. */
  setLabels$(labels: Readonly<Record<string, string>>, options?: CallOptions): Observable<Record<string, string>>;
  extensions$(options?: CallOptions): Observable<Record<string, AnyValue>>;
  /** Get, change the given fields, Update (no field mask: full replace); emits the new record. */
  update$(update: ContainerUpdate, options?: CallOptions): Observable<ContainerInfo>;
  /**
   * Deletes the container, and its snapshot unless `cleanupSnapshot: false`. Emits `undefined`.
   * FailedPreconditionError `cannot delete running task` while any task exists (even stopped).
   * Waits first for this client's own operations on the container that are still finishing
   * (e.g. a `newTask$` unsubscribed mid-flight, rolling back). Unsubscribing cancels the RPC in
   * flight on the daemon, and no later step is made.
   */
  delete$(options?: { readonly cleanupSnapshot?: boolean } & CallOptions): Observable<void>;
  /** Creates the task (not started): Containers.Get, Snapshots.Mounts, Tasks.Create. Rolled back on failure or unsubscribe. */
  newTask$(options?: NewTaskOptions): Observable<Task>;
  /** Loads the existing task (Tasks.Get). NotFoundError `no running task found` if there is none. */
  task$(options?: LoadProcessOptions): Observable<Task>;
}

/** @internal */
export class ContainerImpl implements Container {
  /**
   * @param rootfs the snapshot the container was created with, when this client created it: a
   *   hint only (the record may have changed since), which `newTask$` checks against the record.
   */
  constructor(
    private readonly ctx: DomainContext,
    readonly id: string,
    private readonly rootfs?: RootfsHint,
  ) {}

  info$(options?: CallOptions): Observable<ContainerInfo> {
    return this.ctx.services.containers
      .get$({ id: this.id }, nsOptions(this.ctx, options))
      .pipe(map((r) => toContainerInfo(r.container)));
  }

  spec$(options?: CallOptions): Observable<Spec> {
    return this.info$(options).pipe(map(parseSpec));
  }

  image$(options?: CallOptions): Observable<ImageRecord> {
    return this.info$(options).pipe(
      concatMap((info) =>
        info.image
          ? this.ctx.services.images.get$({ name: info.image }, nsOptions(this.ctx, options)).pipe(
              map(({ image }) => ({
                name: image?.name ?? info.image,
                labels: { ...image?.labels },
                target: {
                  mediaType: image?.target?.mediaType ?? "",
                  digest: image?.target?.digest ?? "",
                  size: image?.target?.size.toNumber() ?? 0,
                },
              })),
            )
          : throwError(() => new NotFoundError("container not created from an image")),
      ),
    );
  }

  labels$(options?: CallOptions): Observable<Record<string, string>> {
    return this.info$(options).pipe(map((i) => ({ ...i.labels })));
  }

  stopSignal$(options?: CallOptions): Observable<Signal> {
    return stopSignal$(this.ctx, this.id, "SIGTERM", options);
  }

  setLabels$(labels: Readonly<Record<string, string>>, options?: CallOptions): Observable<Record<string, string>> {
    return validated(
      () => checkLabels("container labels", labels),
      () =>
        this.ctx.services.containers
          .update$(
            {
              container: {
                id: this.id,
                labels: Object.fromEntries(Object.entries(labels).filter(([, v]) => v !== "")),
              },
              updateMask: Object.keys(labels).map((k) => `labels.${k}`),
            },
            nsOptions(this.ctx, options),
          )
          .pipe(map((r) => ({ ...r.container?.labels }))),
    );
  }

  extensions$(options?: CallOptions): Observable<Record<string, AnyValue>> {
    return this.info$(options).pipe(map((i) => ({ ...i.extensions })));
  }

  update$(u: ContainerUpdate, options?: CallOptions): Observable<ContainerInfo> {
    const call = nsOptions(this.ctx, options);
    return validated(
      () => checkLabels("container labels", u.labels),
      () =>
        this.ctx.services.containers.get$({ id: this.id }, call).pipe(
          concatMap(({ container: c }) => {
            if (!c) return throwError(() => new NotFoundError(`container "${this.id}": not found`));
            const next = {
              ...c,
              ...(u.labels ? { labels: { ...u.labels } } : {}),
              ...(u.spec ? { spec: jsonAny(SPEC_TYPE_URL, u.spec) } : {}),
              ...(u.image !== undefined ? { image: u.image } : {}),
              ...(u.snapshotKey !== undefined ? { snapshotKey: u.snapshotKey } : {}),
              ...(u.snapshotter !== undefined ? { snapshotter: u.snapshotter } : {}),
              ...(u.runtime
                ? { runtime: { name: u.runtime.name, options: u.runtime.options && toAny(u.runtime.options) } }
                : {}),
              ...(u.extensions
                ? { extensions: Object.fromEntries(Object.entries(u.extensions).map(([k, v]) => [k, toAny(v)])) }
                : {}),
            };
            return this.ctx.services.containers.update$({ container: next }, call);
          }),
          map((r) => toContainerInfo(r.container)),
        ),
    );
  }

  delete$(options: { readonly cleanupSnapshot?: boolean } & CallOptions = {}): Observable<void> {
    return cancellable(async (c) => {
      await c.until(this.ctx.inflight.settled(this.ctx.namespace, this.id));
      const call = c.call(nsOptions(this.ctx, options));
      // Both reads at once (one round trip, not two; both settle, so no call outlives this), the
      // task's answer looked at first, as when they were made one after the other.
      const [task, record] = await Promise.allSettled([
        lastValueFrom(this.ctx.services.tasks.get$({ containerId: this.id }, call)),
        lastValueFrom(this.ctx.services.containers.get$({ id: this.id }, call)),
      ]);
      if (task.status === "rejected" && !isNotFound(task.reason)) throw task.reason;
      if (task.status === "fulfilled") throw new FailedPreconditionError(`cannot delete running task ${this.id}`);
      if (record.status === "rejected") throw record.reason;
      const { container } = record.value;
      if (options.cleanupSnapshot !== false && container?.snapshotKey && container.snapshotter) {
        await lastValueFrom(
          this.ctx.services.snapshots.remove$({ snapshotter: container.snapshotter, key: container.snapshotKey }, call),
        ).catch((e: unknown) => {
          if (!isNotFound(e)) throw e;
        });
      }
      await lastValueFrom(this.ctx.services.containers.delete$({ id: this.id }, call));
    });
  }

  newTask$(options?: NewTaskOptions): Observable<Task> {
    return newTask$(this.ctx, this.id, options, this.rootfs);
  }

  task$(options: LoadProcessOptions = {}): Observable<Task> {
    return this.ctx.services.tasks.get$({ containerId: this.id }, nsOptions(this.ctx, options)).pipe(
      mapNotFound(`no running task found: task ${this.id} not found`),
      concatMap(async ({ process: p }) => {
        const io =
          options.attach && p && p.status !== 0
            ? await options.attach.attach(ioTarget(this.ctx, this.id, ""), {
                stdin: p.stdin,
                stdout: p.stdout,
                stderr: p.stderr,
                terminal: p.terminal,
              })
            : undefined;
        return new TaskImpl(this.ctx, this.id, "", p?.pid ?? 0, io);
      }),
    );
  }
}
