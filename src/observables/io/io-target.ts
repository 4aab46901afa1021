import { lastValueFrom } from "rxjs";
import { nsOptions, type DomainContext } from "../client/context.js";
import type { IOTarget } from "./types.js";

/** The IOTarget of a process, with its Tasks.CloseIO(stdin) hook. @internal */
export function ioTarget(ctx: DomainContext, containerId: string, execId: string): IOTarget {
  return {
    namespace: ctx.namespace,
    containerId,
    execId,
    remote: ctx.remote ?? false,
    closeStdin: async () => {
      await lastValueFrom(ctx.services.tasks.closeIo$({ containerId, execId, stdin: true }, nsOptions(ctx)), {
        defaultValue: undefined,
      });
    },
  };
}
