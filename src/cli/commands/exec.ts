// rxctr exec [-t] [-i] ID CMD…: a process in a running task, streamed like run.
import { randomBytes } from "node:crypto";
import { Stdio, mergeEnv, type ExecSpec } from "../../index.js";
import { bool, list, str } from "../args.js";
import type { Command } from "../context.js";
import { about, UsageError } from "../errors.js";
import { last } from "../rx.js";
import { drive } from "../drive.js";

export const command: Command = {
  flags: {
    tty: { kind: "boolean", short: "t" },
    interactive: { kind: "boolean", short: "i" },
    env: { kind: "list", short: "e" },
    user: { kind: "string", short: "u" },
    cwd: { kind: "string", short: "w" },
    "exec-id": { kind: "string" },
  },
  stopAtPositional: true,
  async run(ctx) {
    const [id, ...cmd] = ctx.args.positionals;
    if (!id || cmd.length === 0) throw new UsageError("exec needs a container ID and a command");
    const a = ctx.args;
    const tty = bool(a, "tty");
    const interactive = bool(a, "interactive");
    const env = list(a, "env");
    for (const v of env) if (!v.includes("=")) throw new UsageError(`--env ${JSON.stringify(v)}: expected K=V`);
    const user = str(a, "user");
    const cwd = str(a, "cwd");
    const execId = str(a, "exec-id") ?? `rxctr-exec-${randomBytes(4).toString("hex")}`;
    const client = await ctx.client();
    const what = `exec ${JSON.stringify(cmd[0])} in container ${JSON.stringify(id)}`;
    try {
      const container = await last(client.containers.load$(id));
      const task = await last(container.task$());
      const spec: ExecSpec = {
        args: cmd,
        terminal: tty,
        ...(env.length > 0 ? { env: mergeEnv((await last(container.spec$())).process?.env ?? [], env) } : {}),
        ...(user !== undefined ? { user } : {}), // names resolved in the image's /etc/passwd
        ...(cwd !== undefined ? { cwd } : {}),
      };
      const stdin = interactive ? process.stdin : undefined;
      const io = tty ? Stdio.terminal({ ...(stdin ? { stdin } : {}) }) : Stdio.pipe({ ...(stdin ? { stdin } : {}) });
      const proc = await last(task.exec$(execId, spec, { io }));
      return await drive(proc, { tty, interactive, start: true, remove: true });
    } catch (e) {
      throw about(what, e);
    }
  },
};
