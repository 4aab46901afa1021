import type { Observable } from "rxjs";
import type { CallOptions } from "../../services/call-options.js";
import { nsOptions, toAny, type DomainContext } from "../client/context.js";
import type { AnyValue } from "../containers/container-info.js";
import { removeTask } from "./remove-task.js";
import { Stdio, type IOCreator } from "../io/stdio.js";
import { ioTarget } from "../io/io-target.js";
import { explainFifoErrors } from "../io/fifo-errors.js";
import { TaskImpl, type Task } from "./task.js";
import { transaction$ } from "../rx/transaction.js";

/** Options of `container.newTask$`. */
export interface NewTaskOptions extends CallOptions {
  /** Default `Stdio.null()`. */
  readonly io?: IOCreator;
  /** Runtime options Any (e.g. `containerd.runc.v1.Options`). */
  readonly runtimeOptions?: AnyValue;
  /** Path of the runtime binary (shim), when not the default. */
  readonly runtimePath?: string;
}

/**
 * Containers.Get, Snapshots.Mounts of the container's snapshot, the IO, Tasks.Create; on failure
 * or unsubscribe the task (Tasks.Delete) and IO are rolled back. @internal
 */
export function newTask$(ctx: DomainContext, containerId: string, options: NewTaskOptions = {}): Observable<Task> {
  return transaction$(
    async (tx) => {
      const call = nsOptions(ctx, options);
      const { container } = await tx.step(ctx.services.containers.get$({ id: containerId }, call));
      const rootfs = container?.snapshotKey
        ? (
            await tx.step(
              ctx.services.snapshots.mounts$({ snapshotter: container.snapshotter, key: container.snapshotKey }, call),
            )
          ).mounts
        : [];
      const io = await (options.io ?? Stdio.null()).create(ioTarget(ctx, containerId, ""));
      tx.onRollback(() => io.close());
      const created = await tx.step(
        ctx.services.tasks
          .create$(
            {
              containerId,
              rootfs,
              ...io.config,
              options: options.runtimeOptions && toAny(options.runtimeOptions),
              runtimePath: options.runtimePath ?? "",
            },
            call,
          )
          .pipe(explainFifoErrors(io.config)),
      );
      tx.onRollback(() => removeTask(ctx, containerId));
      io.connected(); // the shim opened the task's FIFOs during Create
      return new TaskImpl(ctx, containerId, "", created.pid, io);
    },
    (done) => ctx.inflight.track(ctx.namespace, containerId, done),
  );
}
