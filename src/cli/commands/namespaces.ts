// rxctr namespaces ls|create|rm.
import type { Command } from "../context.js";
import { about, exitCodeOf, formatError, UsageError } from "../errors.js";
import { last, table } from "../rx.js";
import { bool } from "../args.js";

export const command: Command = {
  flags: { quiet: { kind: "boolean", short: "q" }, label: { kind: "list" } },
  async run(ctx) {
    const [sub, ...names] = ctx.args.positionals;
    const client = await ctx.client();
    switch (sub) {
      case "ls":
      case "list": {
        const all = await last(client.namespaces.list$()).catch((e: unknown) => {
          throw about("namespaces", e);
        });
        if (bool(ctx.args, "quiet")) process.stdout.write(all.map((n) => n.name + "\n").join(""));
        else
          process.stdout.write(
            table(
              ["NAME", "LABELS"],
              all.map((n) => [
                n.name,
                Object.entries(n.labels)
                  .map(([k, v]) => `${k}=${v}`)
                  .join(","),
              ]),
            ),
          );
        return 0;
      }
      case "create": {
        if (names.length !== 1) throw new UsageError("namespaces create needs one NAME");
        const labels = Object.fromEntries(
          (ctx.args.flags["label"] as string[] | undefined)?.map((l) => {
            const i = l.indexOf("=");
            return i < 0 ? [l, ""] : [l.slice(0, i), l.slice(i + 1)];
          }) ?? [],
        );
        await last(client.namespaces.create$(names[0]!, { labels })).catch((e: unknown) => {
          throw about(`namespace ${JSON.stringify(names[0])}`, e);
        });
        process.stdout.write(names[0] + "\n");
        return 0;
      }
      case "rm":
      case "remove":
      case "delete": {
        if (names.length === 0) throw new UsageError("namespaces rm needs at least one NAME");
        let code = 0;
        for (const name of names) {
          try {
            await last(client.namespaces.delete$(name));
            process.stdout.write(name + "\n");
          } catch (e) {
            process.stderr.write(formatError(about(`namespace ${JSON.stringify(name)}`, e), ctx.debug) + "\n");
            code = exitCodeOf(e);
          }
        }
        return code;
      }
      default:
        throw new UsageError(`namespaces: unknown subcommand ${JSON.stringify(sub ?? "")} (ls, create, rm)`);
    }
  },
};
