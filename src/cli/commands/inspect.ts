// rxctr inspect ID…: a JSON array with each container's record, decoded spec and task status.
import { catchError, concatMap, map, of, throwError } from "rxjs";
import { isNotFound } from "../../index.js";
import type { Command } from "../context.js";
import { about, UsageError } from "../errors.js";
import { last } from "../rx.js";

export const command: Command = {
  flags: {},
  async run(ctx) {
    const ids = ctx.args.positionals;
    if (ids.length === 0) throw new UsageError("inspect needs at least one container ID");
    const client = await ctx.client();
    const out: unknown[] = [];
    for (const id of ids) {
      const container = await last(client.containers.load$(id)).catch((e: unknown) => {
        throw about(`container ${JSON.stringify(id)}`, e);
      });
      const [info, spec, task] = await Promise.all([
        last(container.info$()),
        last(container.spec$()),
        last(
          container.task$().pipe(
            concatMap((t) => t.status$().pipe(map((s) => ({ pid: t.pid, ...s })))),
            catchError((e: unknown) => (isNotFound(e) ? of(null) : throwError(() => e))),
          ),
        ),
      ]).catch((e: unknown) => {
        throw about(`container ${JSON.stringify(id)}`, e);
      });
      const { spec: _raw, extensions, runtime, ...record } = info;
      out.push({
        ...record,
        runtime: runtime.name,
        extensions: Object.keys(extensions),
        spec,
        task,
      });
    }
    process.stdout.write(JSON.stringify(out, null, 2) + "\n");
    return 0;
  },
};
