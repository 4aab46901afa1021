/** One chunk of scripted output: written `at` ms (frames) after the process started. */
export interface OutputChunk {
  readonly at: number;
  readonly stdout?: string | Uint8Array;
  readonly stderr?: string | Uint8Array;
}

/** What a signal does to a scripted process (a name such as `SIGTERM`, or a number). */
export type SignalScript = "ignore" | { readonly exitCode?: number; readonly after?: number };

/**
 * How one process behaves on the fake daemon. Times are in ms of virtual time (one frame is one
 * ms in `TestScheduler.run`) counted from the process's Start. Default: exits with 0 at once.
 */
export interface ProcessScript {
  /** The exit code. Default 0. */
  readonly exitCode?: number;
  /** When it exits by itself; `"never"` runs until killed. Default 0. */
  readonly exitAt?: number | "never";
  /** OOM-killed at this time: a `/tasks/oom` event, then an exit with 137. */
  readonly oomAt?: number;
  /**
   * The process cannot start (e.g. its binary is missing): as with runc, an init process fails
   * at Tasks.Create (`newTask$`), an exec at Tasks.Start (`start$`), with UnknownError carrying
   * this message.
   */
  readonly startError?: string;
  /** Output written at these times (delivered by `fakeStdio`); chunks due after the exit are lost. */
  readonly output?: readonly OutputChunk[];
  /**
   * What signals do. Unscripted signals end the process with 128 + n at once; SIGKILL always
   * does. `"ignore"` ignores it; `{ exitCode, after }` exits with that code that much later.
   */
  readonly signals?: Readonly<Record<string, SignalScript>>;
}

/** The script of a task's init process, plus scripts of its execs by exec id (unscripted: exit 0 at once). */
export interface TaskScript extends ProcessScript {
  readonly execs?: Readonly<Record<string, ProcessScript>>;
}

/**
 * Scripts by container id. A list scripts successive tasks of the same container (a restart
 * gets the next entry; the last one repeats). A function is asked for each new task with the
 * container id and how many tasks that container had before.
 */
export type TaskScripts =
  | Readonly<Record<string, TaskScript | readonly TaskScript[]>>
  | ((containerId: string, run: number) => TaskScript | undefined);

/** An image the fake daemon holds (a single-platform manifest of one layer, already unpacked). */
export interface FakeImage {
  /** The image config's `Entrypoint`. */
  readonly entrypoint?: readonly string[];
  /** The image config's `Cmd`. Default `["sh"]`. */
  readonly cmd?: readonly string[];
  /** The image config's `Env`. Default a PATH. */
  readonly env?: readonly string[];
  readonly workingDir?: string;
  readonly labels?: Readonly<Record<string, string>>;
  /** The image config's `User`. */
  readonly user?: string;
  /** The image config's `StopSignal` (what `create$`'s `imageStopSignal` labels the container with). */
  readonly stopSignal?: string;
  /**
   * Files in the image's one layer, by path (`etc/passwd`, `etc/group`): what `create$`'s and
   * `exec$`'s user names are resolved in. Default none, so only numeric users resolve.
   */
  readonly files?: Readonly<Record<string, string | Uint8Array>>;
}

/** Images by name: a list of names (busybox-like images) or a record of configs. */
export type FakeImages = readonly string[] | Readonly<Record<string, FakeImage>>;

const SIGNALS: Readonly<Record<string, number>> = {
  SIGHUP: 1,
  SIGINT: 2,
  SIGQUIT: 3,
  SIGKILL: 9,
  SIGUSR1: 10,
  SIGUSR2: 12,
  SIGTERM: 15,
  SIGSTOP: 19,
};

/** The script entry for signal number `n`, if any (by number or by name). @internal */
export function signalScript(script: ProcessScript, n: number): SignalScript | undefined {
  const s = script.signals;
  if (!s) return undefined;
  const byNumber = s[String(n)];
  if (byNumber) return byNumber;
  for (const [name, value] of Object.entries(s)) {
    const key = name.toUpperCase().startsWith("SIG") ? name.toUpperCase() : `SIG${name.toUpperCase()}`;
    if (SIGNALS[key] === n) return value;
  }
  return undefined;
}

/** The script of the `run`th task of `containerId` (0 first). @internal */
export function scriptFor(scripts: TaskScripts | undefined, containerId: string, run: number): TaskScript {
  if (!scripts) return {};
  if (typeof scripts === "function") return scripts(containerId, run) ?? {};
  const entry = scripts[containerId];
  if (entry === undefined) return {};
  if (isList(entry)) return entry[Math.min(run, entry.length - 1)] ?? {};
  return entry;
}

function isList(entry: TaskScript | readonly TaskScript[]): entry is readonly TaskScript[] {
  return Array.isArray(entry);
}
