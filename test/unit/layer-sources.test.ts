// Byte sources of layers and archives: gzip sniffing across chunk boundaries, zstd layers.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { gzipSync } from "node:zlib";
import { defer, from, lastValueFrom } from "rxjs";
import { isNotImplemented } from "../../src/index.js";
import { openArchive } from "../../src/observables/images/archive/archive-source.js";
import { extractTarFiles, ZSTD_SUPPORTED } from "../../src/observables/tar/tar-files.js";

const tarOf = (files: Record<string, string>): Buffer => {
  const dir = mkdtempSync(join(tmpdir(), "rxc-layer-src-"));
  try {
    for (const [name, body] of Object.entries(files)) writeFileSync(join(dir, name), body);
    return execFileSync("tar", ["-C", dir, "--owner=0", "--group=0", "-cf", "-", ...Object.keys(files)]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};

async function readAll(chunks: AsyncIterable<Buffer>): Promise<Buffer> {
  const out: Buffer[] = [];
  for await (const c of chunks) out.push(c);
  return Buffer.concat(out);
}

test("openArchive: gzip is detected when the source's first chunk holds a single byte", async () => {
  const tar = tarOf({ hello: "world\n" });
  const gz = gzipSync(tar);
  for (const split of [1, 2, 3]) {
    // A Readable whose first chunk is `split` bytes (1: the magic's two bytes arrive apart).
    const source = Readable.from([gz.subarray(0, split), gz.subarray(split, split + 1), gz.subarray(split + 1)], {
      objectMode: false,
    });
    const archive = await openArchive(source);
    const bytes = await readAll(archive.chunks);
    archive.close();
    assert.ok(bytes.equals(tar), `first chunk of ${split} byte(s): gunzipped to the tar`);
  }
  const plain = await openArchive(Readable.from([tar.subarray(0, 1), tar.subarray(1)], { objectMode: false }));
  assert.ok((await readAll(plain.chunks)).equals(tar), "an uncompressed tar passes through whole");
  const one = await openArchive(Readable.from([Buffer.from([0x1f])], { objectMode: false }));
  assert.deepEqual([...(await readAll(one.chunks))], [0x1f], "a 1-byte source is passed through, not lost");
});

test("extractTarFiles with zstd: decompresses where Node can, else NotImplementedError before reading", async () => {
  const tar = tarOf({ passwd: "root:x:0:0:root:/root:/bin/sh\n" });
  const zst = execFileSync("zstd", ["-q", "-c"], { input: tar });
  let subscribed = false;
  const source = defer(() => {
    subscribed = true;
    return from([zst]);
  });
  const r = await lastValueFrom(extractTarFiles(source, ["passwd"], { compression: "zstd" })).then(
    (v) => ({ v, e: undefined }),
    (e: unknown) => ({ v: undefined, e }),
  );
  if (ZSTD_SUPPORTED) {
    assert.equal(r.v?.files.get("passwd")?.toString(), "root:x:0:0:root:/root:/bin/sh\n");
  } else {
    assert.ok(isNotImplemented(r.e), `NotImplementedError, not a tar parse of zstd bytes: ${String(r.e)}`);
    assert.match(String((r.e as Error).message), /zstd/);
  }
  assert.equal(subscribed, ZSTD_SUPPORTED, "without zstd, the blob is not even read");
});
