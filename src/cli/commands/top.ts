// rxctr top ID: the processes of a container's task (Tasks.ListPids), with their exec ids.
import { concatMap } from "rxjs";
import type { Command } from "../context.js";
import { about, UsageError } from "../errors.js";
import { last, table } from "../rx.js";

export const command: Command = {
  flags: {},
  async run(ctx) {
    const [id, ...extra] = ctx.args.positionals;
    if (!id || extra.length > 0) throw new UsageError("top needs exactly one container ID");
    const client = await ctx.client();
    const pids = await last(
      client.containers.load$(id).pipe(
        concatMap((c) => c.task$()),
        concatMap((t) => t.pids$()),
      ),
    ).catch((e: unknown) => {
      throw about(`container ${JSON.stringify(id)}`, e);
    });
    const rows = [...pids].sort((a, b) => a.pid - b.pid).map((p) => [String(p.pid), p.execId ?? "-"]);
    process.stdout.write(table(["PID", "EXEC"], rows));
    return 0;
  },
};
