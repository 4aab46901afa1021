// rxctr run: create a container from an image, run its task with the terminal's IO, exit with its
// code. Foreground runs are one `lifecycle$` (create, task, hot wait, start, output, exit, clean-up).
import { randomBytes } from "node:crypto";
import { catchError, concatMap, EMPTY, throwError, type Subscription } from "rxjs";
import {
  isNotFound,
  lifecycle$,
  normalizeReference,
  Stdio,
  type Containerd,
  type CreateContainerOptions,
  type IOCreator,
  type SpecOpt,
  type Task,
  withAddedCapabilities,
  withCPUCFS,
  withDevices,
  withDroppedCapabilities,
  withEnv,
  withEnvFile,
  withMemoryLimit,
  withReadonlyRootfs,
} from "../../index.js";
import { bool, list, str, type Parsed } from "../args.js";
import type { Command } from "../context.js";
import { about, UsageError } from "../errors.js";
import { last } from "../rx.js";
import { followResize, forwardSignals, rawMode } from "../terminal.js";

function parseEnv(values: readonly string[]): string[] {
  for (const v of values) if (!v.includes("=")) throw new UsageError(`--env ${JSON.stringify(v)}: expected K=V`);
  return [...values];
}

/** A positive number of CPUs ("1.5"), as `ctr run --cpus`: the CFS quota for a 100 ms period. */
function parseCpus(v: string): SpecOpt {
  const cpus = Number(v);
  if (!/^\d*\.?\d+$/.test(v) || !(cpus > 0))
    throw new UsageError(`--cpus ${JSON.stringify(v)}: expected a number of CPUs > 0`);
  return withCPUCFS(Math.trunc(cpus * 100_000), 100_000);
}

function parseBytes(flag: string, v: string): number {
  if (!/^\d+$/.test(v) || !Number.isSafeInteger(Number(v)))
    throw new UsageError(`--${flag} ${JSON.stringify(v)}: expected bytes`);
  return Number(v);
}

function parseCaps(flag: string, values: readonly string[]): string[] {
  for (const c of values) {
    if (!/^CAP_[A-Z0-9_]+$/.test(c)) throw new UsageError(`--${flag} ${JSON.stringify(c)}: expected a CAP_ name`);
  }
  return [...values];
}

/** The spec options of run's resource and security flags, in `ctr run`'s order. */
function specFlags(a: Parsed): SpecOpt[] {
  const opts: SpecOpt[] = [];
  const envFile = str(a, "env-file");
  if (envFile !== undefined) opts.push(withEnvFile(envFile));
  opts.push(withEnv(parseEnv(list(a, "env")))); // --env over --env-file, both over the image's
  if (bool(a, "read-only")) opts.push(withReadonlyRootfs());
  const add = parseCaps("cap-add", list(a, "cap-add"));
  if (add.length > 0) opts.push(withAddedCapabilities(add));
  const drop = parseCaps("cap-drop", list(a, "cap-drop"));
  if (drop.length > 0) opts.push(withDroppedCapabilities(drop));
  const cpus = str(a, "cpus");
  if (cpus !== undefined) opts.push(parseCpus(cpus));
  const memory = str(a, "memory-limit");
  if (memory !== undefined) opts.push(withMemoryLimit(parseBytes("memory-limit", memory)));
  for (const d of list(a, "device")) opts.push(withDevices(d));
  return opts;
}

/** The task's IO for the flags: a TTY, pipes, or a log file. */
function ioFor(tty: boolean, interactive: boolean, logFile: string | undefined): IOCreator {
  if (logFile !== undefined) return Stdio.logFile(logFile);
  const stdin = interactive ? process.stdin : undefined;
  return tty ? Stdio.terminal({ ...(stdin ? { stdin } : {}) }) : Stdio.pipe({ ...(stdin ? { stdin } : {}) });
}

/** The container's task, loaded without IO (for resize and kill). */
function loadTask(client: Containerd, id: string): Promise<Task> {
  return last(client.containers.load$(id).pipe(concatMap((c) => c.task$())));
}

export const command: Command = {
  flags: {
    tty: { kind: "boolean", short: "t" },
    interactive: { kind: "boolean", short: "i" },
    detach: { kind: "boolean", short: "d" },
    rm: { kind: "boolean" },
    env: { kind: "list", short: "e" },
    user: { kind: "string", short: "u" },
    name: { kind: "string" },
    cwd: { kind: "string", short: "w" },
    "log-file": { kind: "string" },
    snapshotter: { kind: "string" },
    hostname: { kind: "string" },
    "net-host": { kind: "boolean" },
    privileged: { kind: "boolean" },
    "read-only": { kind: "boolean" },
    cpus: { kind: "string" },
    "memory-limit": { kind: "string" },
    device: { kind: "list" },
    "env-file": { kind: "string" },
    "cap-add": { kind: "list" },
    "cap-drop": { kind: "list" },
  },
  stopAtPositional: true,
  async run(ctx) {
    const [imageArg, ...cmd] = ctx.args.positionals;
    if (!imageArg) throw new UsageError("run needs an IMAGE");
    const a = ctx.args;
    const tty = bool(a, "tty");
    const interactive = bool(a, "interactive");
    const detach = bool(a, "detach");
    const logFile = str(a, "log-file");
    if (detach && interactive && logFile === undefined)
      throw new UsageError("run -d -i: a detached run has no stdin (use attach later)");
    if (logFile !== undefined && (tty || interactive))
      throw new UsageError("--log-file cannot be combined with -t or -i");
    const id = str(a, "name") ?? `rxctr-${randomBytes(6).toString("hex")}`;
    let image: string;
    try {
      image = normalizeReference(imageArg);
    } catch (e) {
      throw about(`image ${JSON.stringify(imageArg)}`, e);
    }
    const user = str(a, "user");
    const cwd = str(a, "cwd");
    const snapshotter = str(a, "snapshotter");
    const hostname = str(a, "hostname");
    const create: CreateContainerOptions = {
      image,
      ...(cmd.length > 0 ? { args: cmd } : {}),
      ...(user !== undefined ? { user } : {}),
      ...(cwd !== undefined ? { cwd } : {}),
      ...(snapshotter !== undefined ? { snapshotter } : {}),
      ...(hostname !== undefined ? { hostname } : {}),
      imageStopSignal: "SIGTERM", // as ctr run: the image's StopSignal, else SIGTERM, for stop and kill
      hostNetwork: bool(a, "net-host"),
      privileged: bool(a, "privileged"),
      spec: specFlags(a),
      tty,
    };
    const client = await ctx.client();
    const what = `container ${JSON.stringify(id)} (image ${image})`;
    if (detach) return runDetached(client, id, create, ioFor(tty, false, logFile), what);
    return runForeground(client, id, create, ioFor(tty, interactive, logFile), {
      tty,
      interactive,
      remove: bool(a, "rm"),
      what,
    });
  },
};

/** -d: create and start, print the id, leave it running (its FIFOs wait for `rxctr attach`). */
async function runDetached(
  client: Containerd,
  id: string,
  create: CreateContainerOptions,
  io: IOCreator,
  what: string,
): Promise<number> {
  try {
    const container = await last(client.containers.create$(id, create));
    try {
      const task = await last(container.newTask$({ io }));
      await last(task.start$());
    } catch (e) {
      await last(container.delete$({ cleanupSnapshot: true })).catch(() => undefined);
      throw e;
    }
  } catch (e) {
    throw about(what, e);
  }
  process.stdout.write(id + "\n");
  return 0;
}

interface ForegroundOptions {
  readonly tty: boolean;
  readonly interactive: boolean;
  /** --rm: remove the container and its snapshot too (else only the task). */
  readonly remove: boolean;
  readonly what: string;
}

function runForeground(
  client: Containerd,
  id: string,
  create: CreateContainerOptions,
  io: IOCreator,
  o: ForegroundOptions,
): Promise<number> {
  let cleanup: Promise<void> = Promise.resolve();
  const removeTaskOnly = () =>
    client.containers.load$(id).pipe(
      concatMap((c) => c.task$()),
      concatMap((t) => t.delete$({ kill: true })),
      catchError((e: unknown) => (isNotFound(e) ? EMPTY : throwError(() => e))),
    );
  const run$ = o.remove
    ? client.run$(id, { ...create, io })
    : lifecycle$(client.containers.create$(id, create), { io }, removeTaskOnly, (done) => (cleanup = done));
  return new Promise<number>((resolve, reject) => {
    let code: number | undefined;
    let task: Promise<Task> | undefined;
    let finished = false;
    const restoreMode = o.tty && o.interactive ? rawMode() : () => undefined;
    let stopResize = (): void => undefined;
    const stopSignals = forwardSignals((signal) => {
      if (!task) {
        // not started yet: unsubscribing rolls back (what was created is removed)
        sub.unsubscribe();
        void finish();
        return;
      }
      task.then((t) => last(t.kill$(signal, { all: true }))).catch(() => undefined);
    });
    const finish = async (error?: unknown): Promise<void> => {
      if (finished) return;
      finished = true;
      stopResize();
      stopSignals();
      restoreMode();
      await cleanup.catch(() => undefined);
      const report = await last(client.close$());
      if (error !== undefined) return reject(about(o.what, error));
      if (!report.clean)
        process.stderr.write(
          `rxctr: ${o.what}: clean-up unfinished: ${report.leftovers.map((l) => l.what).join("; ")}\n`,
        );
      resolve(code ?? 130);
    };
    const sub: Subscription = run$.subscribe({
      next: (e) => {
        if (e.type === "started") {
          task = loadTask(client, id);
          if (o.tty) stopResize = followResize((w, h) => task!.then((t) => last(t.resize$(w, h))));
        } else if (e.type === "output") (e.stream === "stdout" ? process.stdout : process.stderr).write(e.data);
        else if (e.type === "exited") code = e.status.code;
      },
      error: (e: unknown) => void finish(e),
      complete: () => void finish(),
    });
  });
}
