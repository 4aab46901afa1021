// rxctr kill [-s SIG] ID: Tasks.Kill of the container's task.
import { concatMap } from "rxjs";
import { parseSignal, type Signal } from "../../index.js";
import { bool, str } from "../args.js";
import type { Command } from "../context.js";
import { about, CliError, UsageError } from "../errors.js";
import { last } from "../rx.js";

export const command: Command = {
  flags: { signal: { kind: "string", short: "s" }, all: { kind: "boolean" } },
  async run(ctx) {
    const [id, ...extra] = ctx.args.positionals;
    if (!id || extra.length > 0) throw new UsageError("kill needs exactly one container ID");
    const given = str(ctx.args, "signal") ?? "SIGTERM";
    const signal: Signal = /^\d+$/.test(given) ? Number(given) : (given as Signal);
    const n = parseSignal(signal);
    if (n instanceof Error) throw new CliError(`kill: ${n.message}`);
    const client = await ctx.client();
    await last(
      client.containers.load$(id).pipe(
        concatMap((c) => c.task$()),
        concatMap((t) => t.kill$(signal, { all: bool(ctx.args, "all") })),
      ),
    ).catch((e: unknown) => {
      throw about(`container ${JSON.stringify(id)}`, e);
    });
    return 0;
  },
};
