// rxctr images ls|pull|push|import|export|unpack|rm.
import { createReadStream } from "node:fs";
import type { Observable } from "rxjs";
import { dockerConfigAuth, normalizeReference, type Containerd, type ImageProgress } from "../../index.js";
import { bool, str, type Parsed } from "../args.js";
import type { Command } from "../context.js";
import { about, exitCodeOf, formatError, UsageError } from "../errors.js";
import { progressView } from "../progress.js";
import { bytes, last, shortDigest, table } from "../rx.js";

/** Follows an image operation's progress on stdout (bars on a TTY), resolving when it completes. */
function follow(op$: Observable<ImageProgress>, what: string): Promise<number> {
  const view = progressView(process.stdout, process.stdout.isTTY === true);
  return new Promise<number>((resolve, reject) => {
    const sub = op$.subscribe({
      next: (p) => view.update(p),
      error: (e: unknown) => {
        view.end();
        reject(about(what, e));
      },
      complete: () => {
        view.end();
        resolve(0);
      },
    });
    // Ctrl-C: unsubscribing cancels the calls and rolls back what the operation started.
    const stop = (): void => {
      sub.unsubscribe();
      view.end();
      resolve(130);
    };
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
}

function ref(arg: string | undefined, usage: string): string {
  if (!arg) throw new UsageError(usage);
  try {
    return normalizeReference(arg);
  } catch (e) {
    throw about(`image ${JSON.stringify(arg)}`, e);
  }
}

function remote(a: Parsed) {
  return { auth: dockerConfigAuth(), ...(bool(a, "plain-http") ? { plainHttp: true } : {}) };
}

async function ls(client: Containerd, a: Parsed): Promise<number> {
  const images = await last(client.images.list$()).catch((e: unknown) => {
    throw about(`images of namespace ${JSON.stringify(client.namespace)}`, e);
  });
  if (bool(a, "quiet")) {
    process.stdout.write(images.map((i) => i.name + "\n").join(""));
    return 0;
  }
  const rows = await Promise.all(
    images.map(async (i) => {
      const size = await last(i.size$()).then(bytes, () => "-");
      const platforms = await last(i.platforms$()).then(
        (ps) => ps.map((p) => `${p.os}/${p.architecture}${p.variant ? `/${p.variant}` : ""}`).join(","),
        () => "-",
      );
      return [i.name, shortDigest(i.target.digest), size, platforms];
    }),
  );
  process.stdout.write(table(["NAME", "DIGEST", "SIZE", "PLATFORMS"], rows));
  return 0;
}

export const command: Command = {
  flags: {
    quiet: { kind: "boolean", short: "q" },
    platform: { kind: "string" },
    "no-unpack": { kind: "boolean" },
    "plain-http": { kind: "boolean" },
    snapshotter: { kind: "string" },
    source: { kind: "string" },
    sync: { kind: "boolean" },
    "all-platforms": { kind: "boolean" },
  },
  async run(ctx) {
    const a = ctx.args;
    const [sub, ...rest] = a.positionals;
    const client = await ctx.client();
    const snapshotter = str(a, "snapshotter");
    const snap = snapshotter !== undefined ? { snapshotter } : {};
    switch (sub) {
      case "ls":
      case "list":
        return ls(client, a);
      case "pull": {
        const r = ref(rest[0], "images pull needs a REF");
        const platform = str(a, "platform");
        return follow(
          client.images.pull$(r, {
            ...remote(a),
            unpack: !bool(a, "no-unpack"),
            ...snap,
            ...(platform ? { platform } : {}),
          }),
          `pull ${r}`,
        );
      }
      case "push": {
        const r = ref(rest[0], "images push needs a REF");
        const source = str(a, "source");
        return follow(
          client.images.push$(r, { ...remote(a), ...(source ? { source: normalizeReference(source) } : {}) }),
          `push ${r}`,
        );
      }
      case "import": {
        const file = rest[0];
        if (!file) throw new UsageError("images import needs a FILE (or - for stdin)");
        const source = file === "-" ? process.stdin : createReadStream(file);
        return follow(
          client.images.import$(source, {
            unpack: !bool(a, "no-unpack"),
            ...snap,
            allPlatforms: bool(a, "all-platforms"),
          }),
          `import ${file}`,
        );
      }
      case "export": {
        const [file, ...refs] = rest;
        if (!file || refs.length === 0) throw new UsageError("images export needs a FILE (or -) and at least one REF");
        const names = refs.map((r) => ref(r, ""));
        await last(
          client.images.export$(names, file === "-" ? process.stdout : file, {
            allPlatforms: bool(a, "all-platforms"),
          }),
        ).catch((e: unknown) => {
          throw about(`export ${names.join(", ")}`, e);
        });
        if (file !== "-") process.stdout.write(`exported ${names.join(", ")} to ${file}\n`);
        return 0;
      }
      case "unpack": {
        const r = ref(rest[0], "images unpack needs a REF");
        const image = await last(client.images.get$(r)).catch((e: unknown) => {
          throw about(`image ${r}`, e);
        });
        return follow(image.unpack$(snapshotter), `unpack ${r}`);
      }
      case "rm":
      case "remove":
      case "delete": {
        if (rest.length === 0) throw new UsageError("images rm needs at least one REF");
        let code = 0;
        for (const arg of rest) {
          try {
            const r = ref(arg, "");
            await last(client.images.delete$(r, { sync: bool(a, "sync") }), { defaultValue: undefined });
            process.stdout.write(r + "\n");
          } catch (e) {
            process.stderr.write(formatError(about(`image ${arg}`, e), ctx.debug) + "\n");
            code = exitCodeOf(e);
          }
        }
        return code;
      }
      default:
        throw new UsageError(
          `images: unknown subcommand ${JSON.stringify(sub ?? "")} (ls, pull, push, import, export, unpack, rm)`,
        );
    }
  },
};
