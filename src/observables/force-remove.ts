import { defer, lastValueFrom, type Observable } from "rxjs";
import { isFailedPrecondition, isNotFound } from "../errors/guards.js";
import { nsOptions, type DomainContext } from "./context.js";
import { ContainerImpl } from "./container.js";

const ignoreNotFound = (e: unknown) => { if (!isNotFound(e)) throw e; };

/**
 * Removes a container whatever state it is in: kills (SIGKILL, all) and deletes its task and
 * execs if any, then deletes the container and its snapshot. Idempotent: NotFound at any step is
 * fine. Retries the container delete briefly while a concurrent rollback is still deleting the
 * task. Emits `undefined`. @internal
 */
export function forceRemove$(ctx: DomainContext, id: string): Observable<void> {
  return defer(async () => {
    const call = nsOptions(ctx);
    const tasks = ctx.services.tasks;
    for (let attempt = 0; ; attempt++) {
      const got = await lastValueFrom(tasks.get$({ containerId: id }, call)).catch((e: unknown) => { ignoreNotFound(e); return undefined; });
      if (got?.process) {
        await lastValueFrom(tasks.kill$({ containerId: id, signal: 9, all: true }, call))
          .catch((e: unknown) => { if (!isNotFound(e) && !isFailedPrecondition(e)) throw e; });
        await lastValueFrom(tasks.wait$({ containerId: id }, { ...call, timeoutMs: 10_000 })).catch(ignoreNotFound);
        await lastValueFrom(tasks.delete$({ containerId: id }, call)).catch(ignoreNotFound);
      }
      try {
        await lastValueFrom(new ContainerImpl(ctx, id).delete$({ cleanupSnapshot: true }));
        return;
      } catch (e) {
        if (isNotFound(e)) return;
        if (!isFailedPrecondition(e) || attempt >= 20) throw e;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  });
}
