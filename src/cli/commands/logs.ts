// rxctr logs [-f] ID: print the log file of a task started with a log file (`run -d --log-file`,
// `ctr run --log-uri file://…`), and with -f follow it until the task exits (or Ctrl-C).
import { closeSync, openSync, readSync } from "node:fs";
import { concatMap } from "rxjs";
import { bool } from "../args.js";
import type { Command } from "../context.js";
import { about, CliError, UsageError } from "../errors.js";
import { last } from "../rx.js";

/** Copies what `path` holds from `offset` on to stdout; returns the new offset. */
function copyFrom(path: string, offset: number): number {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return offset; // not written yet
    throw e;
  }
  try {
    const buf = Buffer.allocUnsafe(64 * 1024);
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, offset);
      if (n === 0) return offset;
      process.stdout.write(Buffer.from(buf.subarray(0, n)));
      offset += n;
    }
  } finally {
    closeSync(fd);
  }
}

export const command: Command = {
  flags: { follow: { kind: "boolean", short: "f" } },
  async run(ctx) {
    const [id, ...extra] = ctx.args.positionals;
    if (!id || extra.length > 0) throw new UsageError("logs needs exactly one container ID");
    const client = await ctx.client();
    const what = `container ${JSON.stringify(id)}`;
    const got = await last(client.services.tasks.get$({ containerId: id })).catch((e: unknown) => {
      throw about(what, e);
    });
    const uri = got.process?.stdout ?? "";
    if (!uri.startsWith("file://"))
      throw new CliError(
        `${what}: its task has no log file (stdout is ${uri ? JSON.stringify(uri) : "/dev/null"}); ` +
          "run it with --log-file, or use rxctr attach for FIFOs",
      );
    const path = decodeURIComponent(new URL(uri).pathname);
    let offset = copyFrom(path, 0);
    if (!bool(ctx.args, "follow")) return 0;
    const exited = last(
      client.containers.load$(id).pipe(
        concatMap((c) => c.task$()),
        concatMap((t) => t.wait$()),
      ),
    );
    let done = false;
    const stop = (): void => void (done = true);
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
    exited.then(stop, stop);
    while (!done) {
      offset = copyFrom(path, offset);
      await new Promise((r) => setTimeout(r, 100));
    }
    copyFrom(path, offset);
    return 0;
  },
};
