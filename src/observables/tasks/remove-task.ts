import { lastValueFrom } from "rxjs";
import { isNotFound } from "../../errors/guards.js";
import { nsOptions, type DomainContext } from "../client/context.js";
import { isGone } from "./kill-if-running.js";

/** Rethrows anything but NotFound (for `.catch` on idempotent clean-up steps). @internal */
export const ignoreNotFound = (e: unknown): void => {
  if (!isNotFound(e)) throw e;
};

/**
 * Kills (SIGKILL, all processes), waits for and deletes a container's task, whatever its state
 * (created tasks cannot be deleted without the kill). NotFound at any step is fine. @internal
 */
export async function removeTask(ctx: DomainContext, id: string): Promise<void> {
  const call = nsOptions(ctx);
  const tasks = ctx.services.tasks;
  await lastValueFrom(tasks.kill$({ containerId: id, signal: 9, all: true }, call)).catch((e: unknown) => {
    if (!isGone(e)) throw e;
  });
  await lastValueFrom(tasks.wait$({ containerId: id }, { ...call, timeoutMs: 10_000 })).catch(ignoreNotFound);
  await lastValueFrom(tasks.delete$({ containerId: id }, call)).catch(ignoreNotFound);
}
