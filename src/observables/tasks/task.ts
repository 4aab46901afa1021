import { catchError, lastValueFrom, map, throwError, type Observable } from "rxjs";
import { CheckpointOptions, ProcessDetails } from "../../services/protocol.js";
import { UnknownError } from "../../errors/containerd-error.js";
import type { CallOptions } from "../../services/call-options.js";
import { parseSpec, toContainerInfo } from "../containers/container-info.js";
import { jsonAny, nsOptions, RESOURCES_TYPE_URL } from "../client/context.js";
import type { ExitStatus } from "./exit-status.js";
import { execProcess$, loadProcess$, type ExecOptions, type ExecSpec, type LoadProcessOptions } from "./exec.js";
import { ProcessImpl, type DeleteProcessOptions, type KillOptions, type Process } from "./process.js";
import type { Signal } from "./signals.js";
import type { LinuxResources } from "../spec/linux-types.js";
import type { Spec } from "../spec/types.js";
import { cancellable } from "../rx/cancellable.js";
import { decodeMetrics, type TaskMetrics } from "./task-metrics.js";
import { stop$, type StopOptions } from "./stop.js";

/** A process of the task, as Tasks.ListPids reports it. */
export interface TaskPid {
  readonly pid: number;
  /** The exec id for exec processes (runc's ProcessDetails), else undefined. */
  readonly execId?: string;
}

/** Options of `checkpoint$`. */
export interface CheckpointTaskOptions extends CallOptions {
  /** Stop the task after checkpointing. */
  readonly exit?: boolean;
  /** Where CRIU writes the image (runc `CheckpointOptions.image_path`). */
  readonly imagePath?: string;
  readonly workPath?: string;
}

/** Options of `kill$` on a task: may target an exec. */
export interface TaskKillOptions extends KillOptions {
  readonly execId?: string;
}

/**
 * A container's running (or created, or stopped) task: its init process plus task-wide
 * operations. Cold Observables whose RPC fires on subscribe, except the hot `wait$()`.
 *
 * @example
 * ```ts
 * const exit$ = task.wait$();
 * task.start$().pipe(concatMap(() => exit$), concatMap(() => task.delete$())).subscribe((s) => console.log(s.code));
 * ```
 */
export interface Task extends Process {
  kill$(signal?: Signal, options?: TaskKillOptions): Observable<void>;
  /** Tasks.Pause; status becomes `paused`. UnknownError if not running. */
  pause$(options?: CallOptions): Observable<void>;
  /** Tasks.Resume. UnknownError if not paused. */
  resume$(options?: CallOptions): Observable<void>;
  /** Tasks.ListPids: every process of the container. */
  pids$(options?: CallOptions): Observable<TaskPid[]>;
  /** Tasks.Metrics, decoded for cgroup v1 or v2. NotFoundError after delete. */
  metrics$(options?: CallOptions): Observable<TaskMetrics>;
  /** Tasks.Update with new Linux resources (e.g. `{ memory: { limit } }`). */
  update$(update: { readonly resources: LinuxResources }, options?: CallOptions): Observable<void>;
  /** The container's OCI spec (Containers.Get; no task RPC). */
  spec$(options?: CallOptions): Observable<Spec>;
  /**
   * Pauses, runs Tasks.Checkpoint (CRIU), resumes; emits the checkpoint descriptors. Unsubscribing
   * cancels the RPC in flight; a task this call paused is resumed.
   */
  checkpoint$(options?: CheckpointTaskOptions): Observable<{ mediaType: string; digest: string; size: number }[]>;
  /**
   * Stops the task as `docker stop` does: arms `wait$()`, sends the stop signal (`stopSignal`, else the
   * container's {@link STOP_SIGNAL_LABEL} label read with Containers.Get, else SIGTERM) to the
   * init process with Tasks.Kill, and waits `graceMs` (default 10 s) for the exit; then sends
   * SIGKILL to every process of the container and waits for the exit. Emits the exit status once
   * and completes; a task that already exited emits its status at once. The task is not deleted.
   *
   * Errors: InvalidArgumentError for a bad `stopSignal`, `graceMs` or stop-signal label (before any
   * RPC but the label's Containers.Get); NotFoundError when the task or container is gone.
   * Unsubscribing cancels the RPC in flight and sends nothing more: no SIGKILL after it. A paused
   * task gets the signals only once resumed.
   *
   * @example
   * ```ts
   * const status = await lastValueFrom(task.stop$({ graceMs: 5_000 }));
   * await lastValueFrom(task.delete$());
   * ```
   */
  stop$(options?: StopOptions): Observable<ExitStatus>;
  /** Tasks.Exec then a Process (not started). InvalidArgumentError for an empty or bad id, AlreadyExistsError for a duplicate. */
  exec$(execId: string, spec: ExecSpec, options?: ExecOptions): Observable<Process>;
  /** Tasks.Get for an exec: the Process. NotFoundError if it does not exist. */
  loadProcess$(execId: string, options?: LoadProcessOptions): Observable<Process>;
}

/** @internal */
export class TaskImpl extends ProcessImpl implements Task {
  override kill$(signal?: Signal, options: TaskKillOptions = {}): Observable<void> {
    if (!options.execId) return super.kill$(signal, options);
    return new ProcessImpl(this.ctx, this.containerId, options.execId, 0, undefined).kill$(signal, options);
  }

  override delete$(options: DeleteProcessOptions = {}): Observable<ExitStatus> {
    return this.deleteWith$(
      options,
      (s) => s.status === "stopped" || s.status === "unknown" || (s.status === "created" && this.pid === 0),
      (s) => `task must be stopped before deletion: ${s.status}`,
      (call) => this.ctx.services.tasks.delete$({ containerId: this.containerId }, call),
    );
  }

  stop$(options?: StopOptions): Observable<ExitStatus> {
    return stop$(this.ctx, this.containerId, this, options);
  }

  pause$(options?: CallOptions): Observable<void> {
    return this.ctx.services.tasks
      .pause$({ containerId: this.containerId }, nsOptions(this.ctx, options))
      .pipe(map(() => undefined));
  }

  resume$(options?: CallOptions): Observable<void> {
    return this.ctx.services.tasks
      .resume$({ containerId: this.containerId }, nsOptions(this.ctx, options))
      .pipe(map(() => undefined));
  }

  pids$(options?: CallOptions): Observable<TaskPid[]> {
    return this.ctx.services.tasks.listPids$({ containerId: this.containerId }, nsOptions(this.ctx, options)).pipe(
      map((r) =>
        r.processes.map((p) => {
          const execId =
            p.info?.typeUrl === "containerd.runc.v1.ProcessDetails" ? ProcessDetails.decode(p.info.value).execId : "";
          return execId ? { pid: p.pid, execId } : { pid: p.pid };
        }),
      ),
    );
  }

  metrics$(options?: CallOptions): Observable<TaskMetrics> {
    return this.ctx.services.tasks
      .metrics$({ filters: [`id==${this.containerId}`] }, nsOptions(this.ctx, options))
      .pipe(map((r) => decodeMetrics(this.containerId, r.metrics)));
  }

  update$(update: { readonly resources: LinuxResources }, options?: CallOptions): Observable<void> {
    return this.ctx.services.tasks
      .update$(
        { containerId: this.containerId, resources: jsonAny(RESOURCES_TYPE_URL, update.resources) },
        nsOptions(this.ctx, options),
      )
      .pipe(map(() => undefined));
  }

  spec$(options?: CallOptions): Observable<Spec> {
    return this.ctx.services.containers
      .get$({ id: this.containerId }, nsOptions(this.ctx, options))
      .pipe(map((r) => parseSpec(toContainerInfo(r.container))));
  }

  checkpoint$(options: CheckpointTaskOptions = {}): Observable<{ mediaType: string; digest: string; size: number }[]> {
    const request = {
      containerId: this.containerId,
      options: {
        typeUrl: "containerd.runc.v1.CheckpointOptions",
        value: Buffer.from(
          CheckpointOptions.encode(
            CheckpointOptions.fromPartial({
              exit: options.exit ?? false,
              imagePath: options.imagePath ?? "",
              workPath: options.workPath ?? "",
            }),
          ).finish(),
        ),
      },
    };
    return cancellable(async (c) => {
      const call = c.call(nsOptions(this.ctx, options));
      const wasPaused = (await lastValueFrom(this.status$(call))).status === "paused";
      let done = false;
      try {
        if (!wasPaused) await lastValueFrom(this.pause$(call));
        const r = await lastValueFrom(this.ctx.services.tasks.checkpoint$(request, call));
        done = true;
        return r.descriptors.map((d) => ({ mediaType: d.mediaType, digest: d.digest, size: d.size.toNumber() }));
      } finally {
        // Undo our pause even after an unsubscribe (with a signal of its own: the caller's is gone).
        if (!wasPaused && !(options.exit && done)) {
          await lastValueFrom(this.resume$({ ...options, signal: undefined })).catch(() => undefined);
        }
      }
    }).pipe(mapCheckpointError());
  }

  exec$(execId: string, spec: ExecSpec, options?: ExecOptions): Observable<Process> {
    return execProcess$(this.ctx, this.containerId, execId, spec, options);
  }

  loadProcess$(execId: string, options?: LoadProcessOptions): Observable<Process> {
    return loadProcess$(this.ctx, this.containerId, execId, options);
  }
}

function mapCheckpointError<T>() {
  return catchError<T, Observable<never>>((e: unknown) =>
    throwError(() =>
      e instanceof UnknownError && /criu/i.test(e.rawMessage)
        ? new UnknownError(`checkpoint failed in CRIU (is checkpointing supported by this kernel?): ${e.rawMessage}`, {
            cause: e,
            code: e.code,
          })
        : e,
    ),
  );
}
