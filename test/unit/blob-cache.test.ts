import { test } from "node:test";
import assert from "node:assert/strict";
import { BlobCache } from "../../src/observables/images/image-reader.js";
import { ImageFilesCache } from "../../src/observables/images/image-files.js";

const digest = (i: number) => `sha256:${i.toString(16).padStart(64, "0")}`;

test("BlobCache: keeps sha256 blobs, least recently used out first, bounded in entries", () => {
  const cache = new BlobCache(3, 1 << 20);
  for (let i = 1; i <= 3; i++) cache.set(digest(i), Buffer.from(`blob ${i}`));
  assert.equal(cache.get(digest(1))?.toString(), "blob 1", "1 is now the most recently used");
  cache.set(digest(4), Buffer.from("blob 4"));
  assert.equal(cache.size, 3);
  assert.equal(cache.get(digest(2)), undefined, "2 was the least recently used");
  assert.equal(cache.get(digest(1))?.toString(), "blob 1");
  assert.equal(cache.get(digest(4))?.toString(), "blob 4");
});

test("BlobCache: bounded in bytes; a blob over a quarter of the bound, or not sha256, is not kept", () => {
  const cache = new BlobCache(64, 1000);
  cache.set(digest(1), Buffer.alloc(251));
  assert.equal(cache.size, 0, "over a quarter of the bytes");
  cache.set("sha512:" + "0".repeat(128), Buffer.alloc(10));
  assert.equal(cache.size, 0, "only sha256 digests are checked on read, so only they are kept");
  for (let i = 1; i <= 5; i++) cache.set(digest(i), Buffer.alloc(250));
  assert.equal(cache.size, 4, "5 × 250 bytes > 1000: the oldest went");
  assert.equal(cache.get(digest(1)), undefined);
  assert.ok(cache.get(digest(5)));
});

test("ImageFilesCache: by chain ID and the paths asked, copies out, bounded in entries and bytes", () => {
  const cache = new ImageFilesCache(2, 1000);
  const files = new Map([["etc/group", Buffer.from("root:x:0:\n")]]);
  cache.set(digest(1), ["etc/group"], files);
  files.delete("etc/group");
  assert.equal(cache.get(digest(1), ["etc/group"])?.get("etc/group")?.toString(), "root:x:0:\n", "kept a copy");
  assert.equal(cache.get(digest(1), ["etc/passwd"]), undefined, "other paths are another entry");
  cache.get(digest(1), ["etc/group"])?.clear();
  assert.equal(cache.get(digest(1), ["etc/group"])?.size, 1, "a caller's map is its own");
  cache.set(digest(2), ["etc/group"], new Map([["etc/group", Buffer.alloc(10)]]));
  cache.set(digest(3), ["etc/group"], new Map([["etc/group", Buffer.alloc(10)]]));
  assert.equal(cache.size, 2);
  assert.equal(cache.get(digest(1), ["etc/group"]), undefined, "the least recently used went");
  cache.set(digest(4), ["etc/group"], new Map([["etc/group", Buffer.alloc(251)]]));
  assert.equal(cache.get(digest(4), ["etc/group"]), undefined, "over a quarter of the bytes");
});
