import { execFile } from "node:child_process";
import { close, constants, lstat, mkdir, mkdtemp, open, rm, rmdir, unlink } from "node:fs";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { InvalidArgumentError, NotImplementedError } from "../../errors/containerd-error.js";

const run = promisify(execFile);
const openFd = promisify(open);
const closeFd = promisify(close);

/**
 * Where FIFO directories go unless `Stdio.pipe({ fifoDir })` says otherwise:
 * `$CONTAINERD_FIFO_DIR`, then `/run/containerd/fifo` (the Go client's default). The shim opens the
 * FIFOs by path, so the directory must be visible to it (same host, same mount namespace view).
 */
export function defaultFifoDir(): string {
  return process.env["CONTAINERD_FIFO_DIR"] || "/run/containerd/fifo";
}

/** Node has no mkfifo: FIFOs exist on Linux (and this client targets a Linux containerd). */
export function assertFifoPlatform(): void {
  if (process.platform !== "linux") {
    throw new NotImplementedError(
      `FIFO-backed IO (Stdio.pipe/terminal/streams) is not implemented on ${process.platform}`,
    );
  }
}

/**
 * Creates a private directory (mode 0700) under `base` and the named FIFOs (mode 0600) in it, with
 * `mkfifo` run directly (execFile: no shell, arguments are never interpreted). Returns the
 * directory; on failure nothing is left behind.
 */
export async function makeFifoDir(base: string, paths: (dir: string) => readonly string[]): Promise<string> {
  assertFifoPlatform();
  if (!base.startsWith("/"))
    throw new InvalidArgumentError(`fifoDir must be an absolute path, got ${JSON.stringify(base)}`);
  await promisify(mkdir)(base, { recursive: true, mode: 0o700 });
  const dir = await promisify(mkdtemp)(join(base, "io-"));
  const files = paths(dir);
  try {
    if (files.length > 0) await run("mkfifo", ["-m", "600", "--", ...files]);
  } catch (e) {
    await removeDir(dir);
    throw new InvalidArgumentError(`cannot create FIFOs in ${dir}: ${(e as Error).message}`, { cause: e });
  }
  return dir;
}

/** Removes a FIFO directory this client created. */
export async function removeDir(dir: string): Promise<void> {
  await promisify(rm)(dir, { recursive: true, force: true });
}

/** Removes FIFOs reported by the daemon (re-attach) and their directory if it is then empty. */
export async function removeFifos(paths: readonly string[]): Promise<void> {
  for (const p of paths) await promisify(unlink)(p).catch(() => undefined);
  const dirs = new Set(paths.map((p) => dirname(p)));
  for (const d of dirs) await promisify(rmdir)(d).catch(() => undefined);
}

/**
 * Removes what a deleted process's IO paths left behind when nobody attached to them: only plain
 * paths that are FIFOs (never `file://` logs or other files), then their directory if empty.
 */
export async function removeStaleFifos(paths: readonly string[]): Promise<void> {
  const fifos: string[] = [];
  for (const p of paths.map((x) => x.replace(/^fifo:\/\//, ""))) {
    if (!p.startsWith("/")) continue;
    const st = await promisify(lstat)(p).catch(() => undefined);
    if (st?.isFIFO()) fifos.push(p);
  }
  if (fifos.length > 0) await removeFifos(fifos);
}

/**
 * Opens a FIFO without blocking and without a thread-pool thread per open FIFO: the returned fd is
 * non-blocking and is handed to a libuv pipe handle (net.Socket), which polls it with epoll.
 * `read`: O_RDONLY (no writer is needed to open). `write`: O_WRONLY, which fails with ENXIO while
 * no reader has the FIFO open or is opening it (the caller retries: see InputPipe). `keepalive`:
 * O_WRONLY on a FIFO we already read, so our reader sees no EOF before the shim's writer arrives.
 */
export async function openFifo(path: string, mode: "read" | "write" | "keepalive"): Promise<number> {
  const flags = mode === "read" ? constants.O_RDONLY : constants.O_WRONLY;
  return openFd(path, flags | constants.O_NONBLOCK);
}

/** Closes a raw fd, ignoring EBADF-style errors (idempotent clean-up). */
export async function closeQuietly(fd: number | undefined): Promise<void> {
  if (fd !== undefined) await closeFd(fd).catch(() => undefined);
}
