// rxctr stop [-t SECONDS] [-s SIG] ID…: task.stop$ of each container's task (the stop signal, a
// grace period, then SIGKILL); the stopped task stays until `rxctr rm`.
import { concatMap } from "rxjs";
import { str } from "../args.js";
import type { Command } from "../context.js";
import { eachContainer } from "../each-container.js";
import { UsageError } from "../errors.js";
import { last } from "../rx.js";
import { signalFlag } from "../signal-flag.js";

/** `-t SECONDS`: whole or decimal seconds ≥ 0, as ms. */
function graceOf(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+(\.\d+)?$/.test(value)) throw new UsageError(`stop -t ${JSON.stringify(value)}: expected seconds`);
  return Math.round(Number(value) * 1000);
}

export const command: Command = {
  flags: { time: { kind: "string", short: "t" }, signal: { kind: "string", short: "s" } },
  async run(ctx) {
    const graceMs = graceOf(str(ctx.args, "time"));
    const stopSignal = signalFlag(ctx.args, "stop");
    const options = {
      ...(graceMs !== undefined ? { graceMs } : {}),
      ...(stopSignal !== undefined ? { stopSignal } : {}),
    };
    return eachContainer(ctx, "stop", async (client, id) => {
      await last(
        client.containers.load$(id).pipe(
          concatMap((c) => c.task$()),
          concatMap((t) => t.stop$(options)),
        ),
      );
    });
  },
};
