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

/** A container's snapshot as its creator knows it (`create$`): a hint, checked against the record. @internal */
export interface RootfsHint {
  readonly snapshotter: string;
  readonly key: string;
}

/**
 * Containers.Get, Snapshots.Mounts of the container's snapshot, the IO, Tasks.Create; on failure
 * or unsubscribe the task (Tasks.Delete) and IO are rolled back. With a `rootfs` hint (the
 * container was created by this client), Snapshots.Mounts of the hinted snapshot is asked at the
 * same time as Containers.Get, and used only if the record names that same snapshot (else it is
 * asked again for the record's): one round trip instead of two. @internal
 */
export function newTask$(
  ctx: DomainContext,
  containerId: string,
  options: NewTaskOptions = {},
  rootfsHint?: RootfsHint,
): Observable<Task> {
  return transaction$(
    async (tx) => {
      const call = nsOptions(ctx, options);
      const mounts = (snapshotter: string, key: string) =>
        tx.step(ctx.services.snapshots.mounts$({ snapshotter, key }, call)).then((r) => r.mounts);
      // Both settle before going on (no call outlives a failure); the record decides.
      const [record, hinted] = await Promise.allSettled([
        tx.step(ctx.services.containers.get$({ id: containerId }, call)),
        rootfsHint ? mounts(rootfsHint.snapshotter, rootfsHint.key) : undefined,
      ]);
      if (record.status === "rejected") throw record.reason;
      const { container } = record.value;
      const sameSnapshot =
        rootfsHint !== undefined &&
        container?.snapshotKey === rootfsHint.key &&
        container.snapshotter === rootfsHint.snapshotter;
      let rootfs: Awaited<ReturnType<typeof mounts>> = [];
      if (sameSnapshot) {
        if (hinted.status === "rejected") throw hinted.reason;
        rootfs = hinted.value ?? [];
      } else if (container?.snapshotKey) {
        rootfs = await mounts(container.snapshotter, container.snapshotKey);
      }
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
