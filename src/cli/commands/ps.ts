// rxctr ps: containers of the namespace with their task's pid and status (two List RPCs).
import { bool } from "../args.js";
import type { Command } from "../context.js";
import { about } from "../errors.js";
import { last, table } from "../rx.js";

const STATUS = ["unknown", "created", "running", "stopped", "paused", "pausing"];

export const command: Command = {
  flags: { quiet: { kind: "boolean", short: "q" } },
  async run(ctx) {
    const client = await ctx.client();
    const [containers, tasks] = await Promise.all([
      last(client.services.containers.list$({})),
      last(client.services.tasks.list$({})),
    ]).catch((e: unknown) => {
      throw about(`containers of namespace ${JSON.stringify(client.namespace)}`, e);
    });
    const byId = new Map(tasks.tasks.map((t) => [t.containerId || t.id, t]));
    const rows = containers.containers
      .map((c) => {
        const t = byId.get(c.id);
        return [c.id, c.image || "-", t ? String(t.pid) : "-", t ? (STATUS[t.status] ?? "unknown") : "no task"];
      })
      .sort((x, y) => x[0]!.localeCompare(y[0]!));
    if (bool(ctx.args, "quiet")) process.stdout.write(rows.map((r) => r[0] + "\n").join(""));
    else process.stdout.write(table(["CONTAINER", "IMAGE", "PID", "STATUS"], rows));
    return 0;
  },
};
