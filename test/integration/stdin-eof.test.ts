// Stdin EOF is never lost: a short Readable (two lines, then its end) into `cat`, many at once.
//
// The race this guards against (seen on 2.1.9 about once in five full-suite runs): the shim opens
// its stdin FIFO reader in a goroutine (containerd/fifo OpenFifo: a blocking open(O_RDONLY) run in
// the background) and may still not have called open(2) when Tasks.Create has returned and our
// CloseIO has closed the shim's own stdin writer. If the client's writer is closed by then too (the
// source ended early), that open waits for a writer forever: `cat` never sees EOF. The same early
// close could also drop the buffered input. The client now opens its writer only once the shim's
// reader is there, and closes it (and sends CloseIO) only after that. Many tasks at once on two
// busy cores widen the shim's scheduling delay enough to hit it before the fix.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { Readable, Writable } from "node:stream";
import { lastValueFrom } from "rxjs";
import { Stdio, type Containerd } from "../../src/index.js";
import { BUSYBOX, labClient } from "../support/lab.js";

let client: Containerd;
let dispose: () => Promise<void>;

before(async () => {
  ({ client, dispose } = await labClient("stdin-eof", { image: true }));
});
after(async () => {
  await dispose();
});

function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/** One `cat` fed by a two-line Readable; resolves with what it printed, or an error if it never saw EOF. */
async function catTwoLines(id: string): Promise<string> {
  const container = await lastValueFrom(client.containers.create$(id, { image: BUSYBOX, args: ["cat"] }));
  let printed = "";
  const stdout = new Writable({
    write(chunk: Buffer, _enc, cb) {
      printed += chunk.toString();
      cb();
    },
  });
  try {
    const stdin = Readable.from(["one\n", "two\n"]);
    const task = await lastValueFrom(container.newTask$({ io: Stdio.streams({ stdin, stdout }) }));
    const exit$ = lastValueFrom(task.wait$());
    try {
      await lastValueFrom(task.start$());
      const { code } = await within(exit$, 15_000, `${id}: cat sees its stdin's EOF and exits`);
      assert.equal(code, 0);
    } finally {
      await lastValueFrom(task.delete$({ kill: true }));
    }
    return printed;
  } finally {
    await lastValueFrom(container.delete$());
  }
}

test("Stdio.streams with a two-line Readable stdin into cat: 3 rounds of 6 at once, every cat sees EOF and echoes both lines", async () => {
  for (let round = 0; round < 3; round++) {
    const outputs = await Promise.all(Array.from({ length: 6 }, (_, i) => catTwoLines(`eof-${round}-${i}`)));
    for (const out of outputs) assert.equal(out, "one\ntwo\n");
  }
});
