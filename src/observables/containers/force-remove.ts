import { defer, lastValueFrom, type Observable } from "rxjs";
import { isNotFound } from "../../errors/guards.js";
import { nsOptions, type DomainContext } from "../client/context.js";
import { ContainerImpl } from "./container.js";
import { ignoreNotFound, removeTask } from "../tasks/remove-task.js";

/**
 * Removes a container whatever state it is in: kills (SIGKILL, all) and deletes its task and
 * execs if any, then deletes the container and its snapshot. Idempotent: NotFound at any step is
 * fine. Retries (up to 2 s) while a concurrent operation on the same container settles. Emits
 * `undefined`. @internal
 */
export function forceRemove$(ctx: DomainContext, id: string): Observable<void> {
  return defer(async () => {
    await ctx.inflight.settled(ctx.namespace, id);
    const call = nsOptions(ctx);
    const tasks = ctx.services.tasks;
    for (let attempt = 0; ; attempt++) {
      const got = await lastValueFrom(tasks.get$({ containerId: id }, call)).catch((e: unknown) => {
        ignoreNotFound(e);
        return undefined;
      });
      if (got?.process) await removeTask(ctx, id);
      try {
        await lastValueFrom(new ContainerImpl(ctx, id).delete$({ cleanupSnapshot: true }));
        return;
      } catch (e) {
        if (isNotFound(e)) return;
        // A concurrent step (a newTask$ still creating the task, its rollback still deleting it)
        // makes the delete fail for a moment: the task appears, the snapshot is busy. Retry.
        if (attempt >= 40) throw e;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  });
}
