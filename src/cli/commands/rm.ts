// rxctr rm [-f] ID…: delete containers with their snapshot; -f kills and deletes a running task first.
import { catchError, concatMap, EMPTY, of, throwError } from "rxjs";
import { isNotFound } from "../../index.js";
import { bool } from "../args.js";
import type { Command } from "../context.js";
import { about, CliError, exitCodeOf, formatError, UsageError } from "../errors.js";
import { last } from "../rx.js";

export const command: Command = {
  flags: { force: { kind: "boolean", short: "f" } },
  async run(ctx) {
    const ids = ctx.args.positionals;
    if (ids.length === 0) throw new UsageError("rm needs at least one container ID");
    const force = bool(ctx.args, "force");
    const client = await ctx.client();
    let code = 0;
    for (const id of ids) {
      try {
        const container = await last(client.containers.load$(id));
        await last(
          container.task$().pipe(
            concatMap((t) =>
              t.status$().pipe(
                concatMap((s) => {
                  if (s.status === "stopped" || s.status === "created" || force) return t.delete$({ kill: true });
                  return throwError(() => new CliError(`task is ${s.status}: stop it first (rxctr stop) or use rm -f`));
                }),
              ),
            ),
            catchError((e: unknown) => (isNotFound(e) ? of(undefined) : throwError(() => e))),
            concatMap(() => container.delete$({ cleanupSnapshot: true })),
            concatMap(() => EMPTY),
          ),
          { defaultValue: undefined },
        );
        process.stdout.write(id + "\n");
      } catch (e) {
        process.stderr.write(formatError(about(`container ${JSON.stringify(id)}`, e), ctx.debug) + "\n");
        code = exitCodeOf(e);
      }
    }
    return code;
  },
};
