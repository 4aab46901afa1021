// rxctr rm [-f] ID…: delete containers with their snapshot; -f kills and deletes a running task first.
import { catchError, concatMap, EMPTY, of, throwError } from "rxjs";
import { isNotFound } from "../../index.js";
import { bool } from "../args.js";
import type { Command } from "../context.js";
import { eachContainer } from "../each-container.js";
import { CliError } from "../errors.js";
import { last } from "../rx.js";

export const command: Command = {
  flags: { force: { kind: "boolean", short: "f" } },
  async run(ctx) {
    const force = bool(ctx.args, "force");
    return eachContainer(ctx, "rm", async (client, id) => {
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
    });
  },
};
