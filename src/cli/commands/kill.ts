// rxctr kill [-s SIG] ID: Tasks.Kill of the container's task (default: its stop signal, else SIGTERM).
import { concatMap, of } from "rxjs";
import { bool } from "../args.js";
import type { Command } from "../context.js";
import { about, UsageError } from "../errors.js";
import { last } from "../rx.js";
import { signalFlag } from "../signal-flag.js";

export const command: Command = {
  flags: { signal: { kind: "string", short: "s" }, all: { kind: "boolean" } },
  async run(ctx) {
    const [id, ...extra] = ctx.args.positionals;
    if (!id || extra.length > 0) throw new UsageError("kill needs exactly one container ID");
    const signal = signalFlag(ctx.args, "kill");
    const client = await ctx.client();
    await last(
      client.containers.load$(id).pipe(
        // Without -s: the container's stop signal (ctr task kill's GetStopSignal).
        concatMap((c) =>
          (signal !== undefined ? of(signal) : c.stopSignal$()).pipe(
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
