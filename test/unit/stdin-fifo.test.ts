// The stdin FIFO hand-over, on real FIFOs with a stand-in for the shim (no daemon).
//
// The shim (runc-v2, every line) opens its end of a stdin FIFO with containerd/fifo's OpenFifo: a
// BLOCKING open(O_RDONLY) in a goroutine that may run after Tasks.Create has returned, and even
// after CloseIO has closed the shim's own writer. Such an open returns only when some writer opens
// the FIFO. If the client has closed its writer before that (a short source that ended early),
// nobody ever opens one again: the shim's copy never starts, the process never sees EOF (`cat`
// hangs; seen on 2.1.9). Here `cat` on the host plays the late shim reader.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile, execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readlinkSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { of } from "rxjs";
import { InputPipe } from "../../src/observables/io/input-pipe.js";
import { waitFor } from "../support/wait-for.js";

/** This process's fds open on `path`. */
const fdsOn = (path: string): number =>
  readdirSync("/proc/self/fd").filter((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`) === path;
    } catch {
      return false;
    }
  }).length;

function fifo(): { path: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), "rxc-stdin-"));
  const path = join(dir, "x-stdin");
  execFileSync("mkfifo", ["-m", "600", path]);
  return { path, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** `cat path` on the host: a blocking open(O_RDONLY), as the shim's. Resolves with what it read. */
function lateReader(path: string): { output: Promise<string>; kill: () => void } {
  let child: ReturnType<typeof execFile> | undefined;
  const output = new Promise<string>((resolve, reject) => {
    child = execFile("cat", [path], { timeout: 5_000, killSignal: "SIGKILL" }, (err, stdout) =>
      err ? reject(new Error(`the late reader never saw EOF (${err.message})`)) : resolve(stdout),
    );
  });
  return { output, kill: () => child?.kill("SIGKILL") };
}

for (const [name, source] of [
  ["a Readable", () => Readable.from(["one\n", "two\n"])],
  ["an Observable", () => of("one\n", "two\n")],
] as const) {
  test(`stdin from ${name} that ends before the shim's reader opens: the late reader gets every byte and EOF, CloseIO after it`, async () => {
    const { path, remove } = fifo();
    let connect = (): void => undefined;
    const connected = new Promise<void>((r) => (connect = r));
    let readerOpenedBeforeCloseIO: boolean | undefined;
    let reader: ReturnType<typeof lateReader> | undefined;
    const src = source();
    const pipe = await InputPipe.open(path, src, connected, async () => {
      // CloseIO: by now a reader must have been there, or the shim's late open would hang.
      readerOpenedBeforeCloseIO = reader !== undefined;
    });
    try {
      connect(); // Tasks.Create returned; the shim's reader goroutine has not run yet
      await waitFor(() => (src instanceof Readable ? src.readableEnded : true) && fdsOn(path) === 0, {
        message: "the source was consumed and this process holds no fd on the FIFO",
        timeoutMs: 5_000,
      });
      reader = lateReader(path);
      assert.equal(await reader.output, "one\ntwo\n");
      await waitFor(() => readerOpenedBeforeCloseIO !== undefined, { message: "CloseIO was sent", timeoutMs: 5_000 });
      assert.equal(readerOpenedBeforeCloseIO, true, "CloseIO only after the shim's reader was there");
    } finally {
      reader?.kill();
      await pipe.close();
      remove();
    }
  });
}

test("closing the IO before any reader came: no fd left, the close does not wait for a reader", async () => {
  const { path, remove } = fifo();
  const pipe = await InputPipe.open(path, Readable.from(["x\n"]), Promise.resolve(), async () => undefined);
  await pipe.close();
  assert.equal(fdsOn(path), 0);
  remove();
});
