// Runs the rxctr binary (the package's bin: dist/cli/rxctr.cjs, built by `npm run build`) as a child process, and drives it in a
// real terminal through tmux (a private server per session).
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { waitFor } from "./wait-for.js";

const repo = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");

/** The package's bin as shipped (package.json "bin": the bundle's loader under dist/cli). */
export const RXCTR = join(
  repo,
  (JSON.parse(readFileSync(join(repo, "package.json"), "utf8")) as { bin: { rxctr: string } }).bin.rxctr,
);

export interface CliResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface CliRun {
  readonly child: ChildProcess;
  /** Everything written so far. */
  stdout(): string;
  stderr(): string;
  /** Resolves when it exits; fails (after a SIGKILL) if it has not within `timeoutMs` (default 20 s). */
  result(timeoutMs?: number): Promise<CliResult>;
}

/** Starts `rxctr args…` (stdin: `input` then EOF, or nothing). */
export function startCli(args: readonly string[], options: { input?: string; env?: NodeJS.ProcessEnv } = {}): CliRun {
  const child = spawn(process.execPath, [RXCTR, ...args], {
    env: { ...process.env, ...options.env },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (err += d.toString()));
  if (options.input !== undefined) child.stdin!.end(options.input);
  else child.stdin!.end();
  const done = new Promise<CliResult>((resolve) =>
    child.on("close", (code, signal) => resolve({ code, signal, stdout: out, stderr: err })),
  );
  const result = async (timeoutMs = 20_000): Promise<CliResult> => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        child.kill("SIGKILL");
        reject(new Error(`rxctr ${args.join(" ")} did not exit within ${timeoutMs} ms; stderr: ${err}`));
      }, timeoutMs);
    });
    try {
      return await Promise.race([done, timeout]);
    } finally {
      clearTimeout(timer);
    }
  };
  return { child, stdout: () => out, stderr: () => err, result };
}

/** Runs `rxctr args…` to completion (bounded: 20 s, then SIGKILL and a failure). */
export async function cli(
  args: readonly string[],
  options: { input?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<CliResult> {
  return startCli(args, options).result(options.timeoutMs);
}

/** A tmux server of its own with one window running `bash --norc` (80×24 unless told). */
export class Tmux {
  private readonly dir = mkdtempSync(join(tmpdir(), "rxc-tmux-"));
  private readonly socket = join(this.dir, "sock");

  constructor(env: Readonly<Record<string, string>>, size = { width: 80, height: 24 }) {
    const envArgs = Object.entries(env).flatMap(([k, v]) => ["-e", `${k}=${v}`]);
    this.tmux(
      "-f",
      "/dev/null",
      "new-session",
      "-d",
      "-x",
      String(size.width),
      "-y",
      String(size.height),
      ...envArgs,
      "bash --norc --noprofile",
    );
    this.tmux("set-option", "-g", "window-size", "manual");
    this.tmux("set-option", "-g", "status", "off");
  }

  tmux(...args: string[]): string {
    return execFileSync("tmux", ["-S", this.socket, ...args], { encoding: "utf8" });
  }

  /** Types `text` (literally), then Enter unless `enter` is false. */
  type(text: string, enter = true): void {
    this.tmux("send-keys", "-l", text);
    if (enter) this.tmux("send-keys", "Enter");
  }

  /** Sends tmux key names (`C-c`, `C-d`). */
  keys(...names: string[]): void {
    this.tmux("send-keys", ...names);
  }

  /** The pane's visible text plus its scrollback. */
  screen(): string {
    return this.tmux("capture-pane", "-p", "-J", "-S", "-200");
  }

  /** Waits (bounded) until the pane shows a match of `re`; returns the screen. */
  async waitFor(re: RegExp, message: string, timeoutMs = 15_000): Promise<string> {
    let last = "";
    try {
      return await waitFor(() => ((last = this.screen()), re.test(last) ? last : undefined), {
        message,
        timeoutMs,
        intervalMs: 50,
      });
    } catch (e) {
      throw new Error(`${(e as Error).message}\n--- screen ---\n${last}`);
    }
  }

  resize(width: number, height: number): void {
    this.tmux("resize-window", "-x", String(width), "-y", String(height));
  }

  kill(): void {
    try {
      this.tmux("kill-server");
    } catch {
      // already gone
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
