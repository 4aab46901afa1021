// rxctr attach ID: re-open a running task's FIFOs (made by `run -d`), stream them, forward stdin
// and signals, exit with the task's code. The task is left as it is (not deleted).
import { Stdio } from "../../index.js";
import type { Command } from "../context.js";
import { about, UsageError } from "../errors.js";
import { last } from "../rx.js";
import { drive } from "../drive.js";

export const command: Command = {
  flags: { "no-stdin": { kind: "boolean" } },
  async run(ctx) {
    const [id, ...extra] = ctx.args.positionals;
    if (!id || extra.length > 0) throw new UsageError("attach needs exactly one container ID");
    const client = await ctx.client();
    try {
      const container = await last(client.containers.load$(id));
      const tty = (await last(container.spec$())).process?.terminal === true;
      const stdin = ctx.args.flags["no-stdin"] ? undefined : process.stdin;
      const attach = tty
        ? Stdio.terminal({ ...(stdin ? { stdin } : {}) })
        : Stdio.pipe({ ...(stdin ? { stdin } : {}) });
      const task = await last(container.task$({ attach }));
      return await drive(task, { tty, interactive: stdin !== undefined, start: false, remove: false });
    } catch (e) {
      throw about(`container ${JSON.stringify(id)}`, e);
    }
  },
};
