import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { normalizeReference } from "../../src/index.js";
import { childGcLabels, ociRefName, platformMatches } from "../../src/oci.js";
import { TarStream, type TarEvent } from "../../src/tar.js";
import { tarHeader } from "../../src/observables/tar/tar-stream.js";
import { InvalidArgumentError } from "../../src/errors/containerd-error.js";

/** Feeds `buf` to a TarStream in pieces of `step` bytes; returns files (path → bytes) and types. */
function readAll(buf: Buffer, step: number): { files: Map<string, Buffer>; types: Map<string, string> } {
  const t = new TarStream();
  const files = new Map<string, Buffer>();
  const types = new Map<string, string>();
  let current = "";
  let parts: Buffer[] = [];
  const handle = (ev: TarEvent) => {
    if (ev.kind === "entry") {
      current = ev.header.path;
      parts = [];
      types.set(current, ev.header.type);
    } else if (ev.kind === "data") parts.push(Buffer.from(ev.data));
    else files.set(current, Buffer.concat(parts));
  };
  for (let i = 0; i < buf.length; i += step) t.push(buf.subarray(i, i + step)).forEach(handle);
  t.finish();
  return { files, types };
}

test("TarStream streams members of a GNU tar (long names, PAX, empty files) in any chunking", () => {
  const dir = mkdtempSync(join(tmpdir(), "tar-stream-"));
  try {
    const long = `${"d".repeat(120)}/file`;
    mkdirSync(join(dir, "d".repeat(120)), { recursive: true });
    const big = randomBytes(70_000);
    writeFileSync(join(dir, long), big);
    writeFileSync(join(dir, "empty"), "");
    writeFileSync(join(dir, "small"), "hello");
    for (const format of ["gnu", "pax"]) {
      const tar = execFileSync("tar", ["-C", dir, `--format=${format}`, "--sort=name", "-cf", "-", "."], {
        maxBuffer: 1 << 24,
      });
      for (const step of [1, 511, 512, 4096, tar.length]) {
        const { files, types } = readAll(tar, step);
        assert.ok(files.get(`./${long}`)?.equals(big), `${format}/${step}: long name body`);
        assert.equal(files.get("./empty")?.length, 0);
        assert.equal(files.get("./small")?.toString(), "hello");
        assert.equal(types.get(`./${"d".repeat(120)}/`), "5");
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("TarStream rejects non-tar input and truncation with InvalidArgumentError", () => {
  assert.throws(() => new TarStream().push(Buffer.alloc(512, 65)), InvalidArgumentError);
  assert.throws(() => new TarStream().finish(), /empty input/);
  const t = new TarStream();
  t.push(Buffer.concat([tarHeader("a", 1000), Buffer.alloc(10)]));
  assert.throws(() => t.finish(), /truncated/);
});

test("tarHeader writes headers GNU tar reads back (file and dir)", () => {
  const body = Buffer.from("x".repeat(700));
  const tar = Buffer.concat([
    tarHeader("blobs/", 0, "5"),
    tarHeader("blobs/f", body.length),
    body,
    Buffer.alloc(1024 - 700),
    Buffer.alloc(1024),
  ]);
  const listing = execFileSync("tar", ["-tvf", "-"], { input: tar, encoding: "utf8" });
  assert.match(listing, /blobs\/f/);
  assert.match(listing, /700/);
  const { files } = readAll(tar, 100);
  assert.ok(files.get("blobs/f")?.equals(body));
  assert.equal(
    createHash("sha256")
      .update(tarHeader("a", 8 ** 11 + 5))
      .digest("hex").length,
    64,
    "base-256 sizes ≥ 8 GiB do not throw",
  );
});

test("normalizeReference and ociRefName follow docker's rules", () => {
  assert.equal(normalizeReference("busybox"), "docker.io/library/busybox:latest");
  assert.equal(normalizeReference("busybox:1.36"), "docker.io/library/busybox:1.36");
  assert.equal(normalizeReference("me/app:1"), "docker.io/me/app:1");
  assert.equal(normalizeReference("ghcr.io/x/y"), "ghcr.io/x/y:latest");
  assert.equal(normalizeReference("localhost:5000/y:2"), "localhost:5000/y:2");
  assert.equal(ociRefName("docker.io/library/busybox:1.36"), "1.36");
  assert.equal(ociRefName("localhost:5000/y"), "");
});

test("childGcLabels and platformMatches", () => {
  const d = (mediaType: string, n: number) => ({ mediaType, digest: `sha256:${String(n).repeat(64)}` });
  assert.deepEqual(
    childGcLabels([
      d("application/vnd.oci.image.config.v1+json", 1),
      d("application/vnd.oci.image.layer.v1.tar+gzip", 2),
      d("application/vnd.docker.image.rootfs.diff.tar", 3),
    ]),
    {
      "containerd.io/gc.ref.content.config": d("", 1).digest,
      "containerd.io/gc.ref.content.l.1": d("", 2).digest,
      "containerd.io/gc.ref.content.l.2": d("", 3).digest,
    },
  );
  assert.deepEqual(childGcLabels([d("application/vnd.oci.image.manifest.v1+json", 4), d("text/plain", 5)]), {
    "containerd.io/gc.ref.content.m.0": d("", 4).digest,
    "containerd.io/gc.ref.content.1": d("", 5).digest,
  });
  const amd = { os: "linux", architecture: "amd64" };
  assert.ok(platformMatches(undefined, amd));
  assert.ok(platformMatches({ os: "linux", architecture: "amd64" }, amd));
  assert.ok(!platformMatches({ os: "linux", architecture: "arm64", variant: "v8" }, amd));
});
