// rxctr kill [-s SIG] ID: Tasks.Kill of the container's task (default: its stop signal, else SIGTERM).
import { concatMap, map, of } from "rxjs";
import { parseSignal, STOP_SIGNAL_LABEL, type Signal } from "../../index.js";
import { bool, str } from "../args.js";
import type { Command } from "../context.js";
import { about, CliError, UsageError } from "../errors.js";
import { last } from "../rx.js";

export const command: Command = {
  flags: { signal: { kind: "string", short: "s" }, all: { kind: "boolean" } },
  async run(ctx) {
    const [id, ...extra] = ctx.args.positionals;
    if (!id || extra.length > 0) throw new UsageError("kill needs exactly one container ID");
    const given = str(ctx.args, "signal");
    const signal: Signal | undefined = given === undefined ? undefined : /^\d+$/.test(given) ? Number(given) : given;
    if (signal !== undefined) {
      const n = parseSignal(signal);
      if (n instanceof Error) throw new CliError(`kill: ${n.message}`);
    }
    const client = await ctx.client();
    await last(
      client.containers.load$(id).pipe(
        // Without -s: the container's stop-signal label, else SIGTERM (ctr task kill's GetStopSignal).
        concatMap((c) =>
          (signal !== undefined ? of(signal) : c.labels$().pipe(map((l) => l[STOP_SIGNAL_LABEL] ?? "SIGTERM"))).pipe(
            concatMap((s) => c.task$().pipe(concatMap((t) => t.kill$(s, { all: bool(ctx.args, "all") })))),
          ),
        ),
      ),
    ).catch((e: unknown) => {
      throw about(`container ${JSON.stringify(id)}`, e);
    });
    return 0;
  },
};
