// images.import$ of an archive already in memory (Buffer, or a Uint8Array view into a larger
// buffer), read afresh by every subscription.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { filter, lastValueFrom, toArray } from "rxjs";
import { Stdio, type Containerd } from "../../src/index.js";
import { BUSYBOX, labClient } from "../support/lab.js";
import { runPiped } from "../support/piped.js";

let client: Containerd;
let dispose: () => Promise<void>;
before(async () => ({ client, dispose } = await labClient("impbytes")));
after(async () => dispose());

const tar = () =>
  readFileSync(
    process.env["RXC_LAB_IMAGE_TAR"] ?? assert.fail("RXC_LAB_IMAGE_TAR is not set (run through scripts/test-all.sh)"),
  );

test("import$(Buffer, { unpack }) imports the image, and it runs", async () => {
  const done = await lastValueFrom(
    client.images.import$(tar(), { unpack: true }).pipe(
      filter((e) => e.type === "done"),
      toArray(),
    ),
  );
  assert.deepEqual(
    done.map((e) => e.type === "done" && e.image.name),
    [BUSYBOX],
  );
  const r = await runPiped(client, "from-bytes", Stdio.pipe(), { args: ["echo", "bytes"] });
  assert.equal(r.stdout.toString(), "bytes\n");
  await lastValueFrom(client.images.delete$(BUSYBOX, { sync: true }));
});

test("import$(Uint8Array view with an offset): only the view's bytes are read, on every subscription", async () => {
  const bytes = tar();
  const padded = new Uint8Array(bytes.length + 64);
  padded.fill(0xff);
  padded.set(bytes, 32);
  const import$ = client.images.import$(padded.subarray(32, 32 + bytes.length));
  for (let i = 0; i < 2; i++) {
    const names = await lastValueFrom(
      import$.pipe(
        filter((e) => e.type === "done"),
        toArray(),
      ),
    );
    assert.deepEqual(
      names.map((e) => e.type === "done" && e.image.name),
      [BUSYBOX],
      `subscription ${i + 1}`,
    );
  }
  await lastValueFrom(client.images.delete$(BUSYBOX, { sync: true }));
});
