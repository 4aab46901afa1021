import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { linkSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { setImmediate as tick } from "node:timers/promises";
import { waitFor } from "../support/wait-for.js";
import { gzipSync } from "node:zlib";
import { Subject, finalize, from, lastValueFrom, tap, throwError, toArray, type Observable } from "rxjs";
import { InvalidArgumentError } from "../../src/errors/containerd-error.js";
import { resolveLayerFiles } from "../../src/observables/images/layer-files.js";
import { extractTarFiles, type TarLayerFiles } from "../../src/observables/tar/tar-files.js";

type Tree = Record<string, string | Buffer | { symlink: string } | { hardlink: string }>;

/** Writes `tree` into a temp dir and returns `tar -c` of it (members sorted, as `./path`). */
function makeTar(tree: Tree, args: readonly string[], members: readonly string[] = ["."]): Buffer {
  const dir = mkdtempSync(join(tmpdir(), "tar-files-"));
  try {
    for (const [path, content] of Object.entries(tree)) {
      const abs = join(dir, path);
      mkdirSync(dirname(abs), { recursive: true });
      if (typeof content === "string" || Buffer.isBuffer(content)) writeFileSync(abs, content);
      else if ("symlink" in content) symlinkSync(content.symlink, abs);
      else linkSync(join(dir, content.hardlink), abs);
    }
    return execFileSync("tar", ["-C", dir, "--sort=name", ...args, "-cf", "-", ...members], { maxBuffer: 64 << 20 });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Splits `buf` into chunks whose sizes cycle through `sizes` (empty: one whole chunk). */
function chunked(buf: Buffer, sizes: readonly number[]): Buffer[] {
  if (sizes.length === 0) return [buf];
  const out: Buffer[] = [];
  for (let off = 0, i = 0; off < buf.length; i++) {
    const n = sizes[i % sizes.length] ?? 1;
    out.push(buf.subarray(off, off + n));
    off += n;
  }
  return out;
}

async function extract(
  buf: Buffer,
  wanted: readonly string[],
  sizes: readonly number[] = [],
  gzip = false,
): Promise<TarLayerFiles> {
  const values = await lastValueFrom(extractTarFiles(from(chunked(buf, sizes)), wanted, { gzip }).pipe(toArray()));
  assert.equal(values.length, 1, "exactly one TarLayerFiles value");
  return values[0] as TarLayerFiles;
}

const isInvalid =
  (pattern: RegExp) =>
  (e: unknown): boolean => {
    assert.ok(e instanceof InvalidArgumentError, `expected InvalidArgumentError, got ${String(e)}`);
    assert.match(e.message, pattern);
    return true;
  };

const PASSWD = "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n";
const GROUP = "root:x:0:\napp:x:1000:\n";
const SHORT_LONG = `deep/${"d".repeat(60)}/${"e".repeat(60)}/file.txt`; // 135 chars: ustar prefix + name
const VERY_LONG = `deep/${Array.from({ length: 5 }, (_v, i) => `${i}`.repeat(55)).join("/")}/long-file-name.txt`; // > 255
const BIG = randomBytes(200_000);
const CHUNKINGS: readonly (readonly number[])[] = [[7], [511], [513], [], [7, 511, 513, 4096]];

function baseTree(longPath: string): Tree {
  return {
    "etc/group": GROUP,
    "etc/passwd": PASSWD,
    "etc/passwd-hard": { hardlink: "etc/passwd" },
    "etc/localtime": { symlink: "/usr/share/zoneinfo/UTC" },
    "etc/alias": { symlink: "passwd" },
    "usr/lib/big.bin": BIG,
    [longPath]: `content of ${longPath}\n`,
  };
}

const WANTED = ["etc/passwd", "/etc/group", "./etc/localtime", "etc/alias", "etc/passwd-hard", "etc/missing"];

for (const [format, longPath, marker] of [
  ["ustar", SHORT_LONG, undefined],
  ["pax", VERY_LONG, `path=./${VERY_LONG}`],
  ["gnu", VERY_LONG, "././@LongLink"],
] as const) {
  test(`extractTarFiles: --format=${format}, every chunking, names normalised, links recorded`, async () => {
    const tar = makeTar(baseTree(longPath), [`--format=${format}`]);
    if (marker !== undefined) assert.ok(tar.includes(marker), `archive uses ${marker}`);
    for (const sizes of CHUNKINGS) {
      const layer = await extract(tar, [...WANTED, longPath], sizes);
      assert.deepEqual([...layer.files.keys()].sort(), ["etc/group", "etc/passwd", "etc/passwd-hard", longPath].sort());
      assert.equal(layer.files.get("etc/passwd")?.toString("utf8"), PASSWD, `chunks ${sizes.join(",")}`);
      assert.equal(layer.files.get("etc/passwd-hard")?.toString("utf8"), PASSWD);
      assert.equal(layer.files.get("etc/group")?.toString("utf8"), GROUP);
      assert.equal(layer.files.get(longPath)?.toString("utf8"), `content of ${longPath}\n`);
      assert.deepEqual(
        layer.links,
        new Map([
          ["etc/localtime", "/usr/share/zoneinfo/UTC"],
          ["etc/alias", "passwd"],
        ]),
      );
      assert.equal(layer.whiteouts.size + layer.opaqueDirs.size, 0);
    }
  });
}

test("extractTarFiles: a hard link whose target was not wanted is recorded as an absolute link", async () => {
  const layer = await extract(makeTar(baseTree(SHORT_LONG), ["--format=pax"]), ["etc/passwd-hard"], [513]);
  assert.equal(layer.files.size, 0);
  assert.deepEqual(layer.links, new Map([["etc/passwd-hard", "/etc/passwd"]]));
});

test("extractTarFiles: gzip (tar -z and zlib) in every chunking", async () => {
  const tree = baseTree(VERY_LONG);
  for (const gz of [makeTar(tree, ["--format=gnu", "-z"]), gzipSync(makeTar(tree, ["--format=pax"]))]) {
    for (const sizes of CHUNKINGS) {
      const layer = await extract(gz, WANTED, sizes, true);
      assert.equal(layer.files.get("etc/passwd")?.toString("utf8"), PASSWD);
      assert.equal(layer.files.get("etc/group")?.toString("utf8"), GROUP);
      assert.equal(layer.links.get("etc/localtime"), "/usr/share/zoneinfo/UTC");
    }
  }
});

test("extractTarFiles: whiteouts and opaque directories", async () => {
  const tar = makeTar(
    {
      ".wh.tmp": "",
      "etc/.wh.shadow": "",
      "var/cache/.wh..wh..opq": "",
      ".wh..wh..opq": "",
      "etc/passwd": PASSWD,
    },
    ["--format=pax"],
  );
  for (const wanted of [["etc/passwd", "etc/shadow"], []]) {
    const layer = await extract(tar, wanted, [7]);
    assert.deepEqual([...layer.whiteouts].sort(), ["etc/shadow", "tmp"]);
    assert.deepEqual([...layer.opaqueDirs].sort(), ["", "var/cache"]);
    assert.equal(layer.files.size, wanted.length === 0 ? 0 : 1);
  }
});

test("extractTarFiles: base-256 size field", async () => {
  const tar = makeTar({ "etc/passwd": PASSWD }, ["--format=ustar"], ["etc/passwd"]);
  tar.fill(0, 124, 136);
  tar[124] = 0x80;
  tar.writeUInt32BE(PASSWD.length, 132);
  tar.fill(0x20, 148, 156);
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += tar[i] ?? 0;
  tar.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148, "latin1");
  const layer = await extract(tar, ["etc/passwd"], [100]);
  assert.equal(layer.files.get("etc/passwd")?.toString("utf8"), PASSWD);
});

test("extractTarFiles: completes early and unsubscribes from a synchronous source", async () => {
  const tar = makeTar(
    { "etc/passwd": PASSWD, "etc/group": GROUP, "filler.bin": randomBytes(2 << 20) },
    ["--format=gnu"],
    ["etc/group", "etc/passwd", "filler.bin"],
  );
  const chunks = chunked(tar, [512]);
  let pulled = 0;
  let finalized = false;
  const source: Observable<Buffer> = from(chunks).pipe(
    tap(() => pulled++),
    finalize(() => (finalized = true)),
  );
  const layer = await lastValueFrom(extractTarFiles(source, ["etc/passwd", "etc/group"]));
  assert.equal(layer.files.get("etc/passwd")?.toString("utf8"), PASSWD);
  assert.ok(finalized, "source torn down");
  assert.ok(pulled < 10 && pulled < chunks.length, `pulled ${pulled} of ${chunks.length} chunks`);
});

test("extractTarFiles: completes early through gzip and unsubscribes from a Subject", async () => {
  const gz = gzipSync(
    // 8 MiB that gzip cannot shrink: 2,048 chunks, so that gunzip (on libuv's threads) has every
    // chance to find the file before the loop below has pushed them all, even on a loaded machine.
    makeTar({ "etc/passwd": PASSWD, "filler.bin": randomBytes(8 << 20) }, [], ["etc/passwd", "filler.bin"]),
  );
  const chunks = chunked(gz, [4096]);
  const subject = new Subject<Buffer>();
  const results: TarLayerFiles[] = [];
  let completed = false;
  extractTarFiles(subject, ["etc/passwd"], { gzip: true }).subscribe({
    next: (v) => results.push(v),
    complete: () => (completed = true),
  });
  let pushed = 0;
  for (const chunk of chunks) {
    if (completed) break;
    subject.next(chunk);
    pushed++;
    await tick();
  }
  await waitFor(() => completed, { message: "extractTarFiles completes", timeoutMs: 5000, intervalMs: 1 });
  assert.equal(results.length, 1);
  assert.equal(results[0]?.files.get("etc/passwd")?.toString("utf8"), PASSWD);
  assert.equal(subject.observed, false, "source unsubscribed");
  assert.ok(pushed < chunks.length, `pushed ${pushed} of ${chunks.length} chunks`);
});

test("extractTarFiles: unsubscribing mid-way tears down gunzip and the source", async () => {
  const gz = gzipSync(makeTar(baseTree(VERY_LONG), []));
  const subject = new Subject<Buffer>();
  const events: string[] = [];
  const sub = extractTarFiles(subject, ["etc/passwd", "nope"], { gzip: true }).subscribe({
    next: () => events.push("next"),
    error: () => events.push("error"),
    complete: () => events.push("complete"),
  });
  subject.next(gz.subarray(0, 1000));
  await tick();
  sub.unsubscribe();
  assert.equal(subject.observed, false);
  subject.next(gz.subarray(1000));
  for (let i = 0; i < 10; i++) await tick();
  assert.deepEqual(events, []);
});

test("extractTarFiles: corrupt and truncated input errors with InvalidArgumentError", async () => {
  const tar = makeTar(baseTree(SHORT_LONG), ["--format=ustar"]);
  const flipped = Buffer.from(tar);
  flipped[600] = (flipped[600] ?? 0) ^ 0x41; // the second header's name
  await assert.rejects(extract(flipped, WANTED, [513]), isInvalid(/checksum/));
  await assert.rejects(extract(Buffer.from("this is not a tar archive\n".repeat(40)), WANTED), isInvalid(/checksum/));
  await assert.rejects(extract(tar.subarray(0, 700), WANTED, [7]), isInvalid(/truncated/));
  const body = tar.indexOf(BIG.subarray(0, 64));
  await assert.rejects(extract(tar.subarray(0, body + 1000), WANTED, [511]), isInvalid(/truncated.*missing/));
  await assert.rejects(extract(Buffer.from(randomBytes(5000)), WANTED, [511], true), isInvalid(/gzip/));
  const gz = gzipSync(tar);
  await assert.rejects(extract(gz.subarray(0, gz.length >> 1), WANTED, [513], true), isInvalid(/gzip/));
  const badMagic = Buffer.from(gz);
  badMagic[0] = 0;
  await assert.rejects(extract(badMagic, WANTED, [], true), isInvalid(/gzip/));
});

test("extractTarFiles: a wanted file over 1 MiB is refused; 1 MiB or unwanted is fine", async () => {
  const tar = makeTar({ "etc/huge": Buffer.alloc((1 << 20) + 1, 0x61), "etc/exact": Buffer.alloc(1 << 20, 0x62) }, []);
  await assert.rejects(extract(tar, ["etc/huge"], [4096]), isInvalid(/limit/));
  const layer = await extract(tar, ["etc/exact"], [4096]);
  assert.equal(layer.files.get("etc/exact")?.length, 1 << 20);
});

test("extractTarFiles: source errors pass through unchanged; nothing is thrown synchronously", async () => {
  const boom = new Error("boom");
  await assert.rejects(
    lastValueFrom(
      extractTarFiles(
        throwError(() => boom),
        ["etc/passwd"],
      ),
    ),
    (e) => e === boom,
  );
  const layer = await extract(Buffer.alloc(0), ["etc/passwd"]);
  assert.equal(layer.files.size, 0);
});

test("resolveLayerFiles: top-most layer wins; whiteouts and opaque dirs hide lower layers; links resolve once", () => {
  const layer = (
    files: Record<string, string>,
    links: Record<string, string> = {},
    whiteouts: string[] = [],
    opaque: string[] = [],
  ): TarLayerFiles => ({
    files: new Map(Object.entries(files).map(([k, v]) => [k, Buffer.from(v)])),
    links: new Map(Object.entries(links)),
    whiteouts: new Set(whiteouts),
    opaqueDirs: new Set(opaque),
  });
  const top = layer(
    { "etc/passwd": "top" },
    {
      "etc/localtime": "/usr/share/zoneinfo/UTC",
      "etc/alias": "../data/alias",
      "etc/hard": "/etc/passwd",
      "etc/loop": "loop2",
      "etc/loop2": "passwd",
    },
  );
  const mid = layer({ "etc/hosts": "mid" }, {}, ["etc/group", "opt", "etc"], ["var/lib"]);
  const bottom = layer({
    "etc/passwd": "bottom",
    "etc/group": "g",
    "etc/hosts": "h",
    "etc/shadow": "s",
    "var/lib/x": "x",
    "var/y": "y",
    "opt/a": "a",
    "usr/share/zoneinfo/UTC": "utc",
    "data/alias": "alias",
  });
  const wanted = [
    "/etc/passwd",
    "etc/group",
    "etc/hosts",
    "etc/shadow",
    "var/lib/x",
    "var/y",
    "opt/a",
    "etc/localtime",
    "etc/alias",
    "etc/hard",
    "etc/loop",
    "nope",
  ];
  const got = resolveLayerFiles([top, mid, bottom], wanted);
  assert.deepEqual(Object.fromEntries([...got].map(([k, v]) => [k, v.toString("utf8")])), {
    "/etc/passwd": "top",
    "etc/hosts": "mid",
    "var/y": "y",
    "etc/localtime": "utc",
    "etc/alias": "alias",
    "etc/hard": "top",
  });
  assert.equal(resolveLayerFiles([bottom], ["etc/group"]).get("etc/group")?.toString("utf8"), "g");
  assert.equal(resolveLayerFiles([], ["etc/passwd"]).size, 0);
});
