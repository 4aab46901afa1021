#!/usr/bin/env node
// rxctr: a containerd CLI built on rxcontainerd's public API. This file stays light: it parses
// the command name and loads only that command's module (and the library only when it needs it).
import { GLOBAL_FLAGS, parseArgs } from "./args.js";
import { makeContext, type Command } from "./context.js";
import { exitCodeOf, formatError, UsageError } from "./errors.js";
import { HELP } from "./help.js";

const COMMANDS: Record<string, () => Promise<{ command: Command }>> = {
  version: () => import("./commands/version.js"),
  run: () => import("./commands/run.js"),
  ps: () => import("./commands/ps.js"),
  exec: () => import("./commands/exec.js"),
  kill: () => import("./commands/kill.js"),
  stop: () => import("./commands/stop.js"),
  pause: () => import("./commands/pause.js").then((m) => ({ command: m.pause })),
  unpause: () => import("./commands/pause.js").then((m) => ({ command: m.unpause })),
  top: () => import("./commands/top.js"),
  inspect: () => import("./commands/inspect.js"),
  rm: () => import("./commands/rm.js"),
  logs: () => import("./commands/logs.js"),
  attach: () => import("./commands/attach.js"),
  events: () => import("./commands/events.js"),
  images: () => import("./commands/images.js"),
  namespaces: () => import("./commands/namespaces.js"),
};
const ALIASES: Record<string, string> = { i: "images", image: "images", ns: "namespaces", namespace: "namespaces" };

/** Splits the global flags before the command name from the rest. */
function splitCommand(argv: readonly string[]): { before: string[]; name: string | undefined; rest: string[] } {
  const before: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith("-")) return { before, name: a, rest: argv.slice(i + 1) };
    before.push(a);
    const flag = a.startsWith("--") ? a.slice(2) : undefined;
    const spec = flag !== undefined ? GLOBAL_FLAGS[flag] : Object.values(GLOBAL_FLAGS).find((s) => `-${s.short}` === a);
    if (spec && spec.kind !== "boolean" && !a.includes("=") && i + 1 < argv.length) before.push(argv[++i]!);
  }
  return { before, name: undefined, rest: [] };
}

async function main(argv: readonly string[]): Promise<number> {
  const { before, name, rest } = splitCommand(argv);
  const debug = argv.includes("--debug");
  try {
    const pre = parseArgs(before, {});
    if (name === undefined || name === "help") {
      process.stdout.write(HELP);
      return name === undefined && !pre.flags["help"] ? 125 : 0;
    }
    const load = COMMANDS[ALIASES[name] ?? name];
    if (!load) throw new UsageError(`unknown command ${JSON.stringify(name)}`);
    const { command } = await load();
    const args = parseArgs([...before, ...rest], command.flags, command.stopAtPositional);
    if (args.flags["help"]) {
      process.stdout.write(HELP);
      return 0;
    }
    return await command.run(makeContext(args));
  } catch (e) {
    process.stderr.write(formatError(e, debug) + "\n");
    return exitCodeOf(e);
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(formatError(e, true) + "\n");
    process.exit(125);
  },
);
