import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync, createReadStream } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";
import { filter, lastValueFrom, toArray } from "rxjs";
import { isDataLoss, isInvalidArgument, isNotFound, type Containerd, type ImageProgress } from "../../src/index.js";
import { labClient } from "../support/lab.js";
import { settle } from "../support/settle.js";
import { waitFor } from "../support/wait-for.js";

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const REF = "docker.io/library/busybox:latest";
let client: Containerd;
let dispose: () => Promise<void>;
let work: string;
let ociTar: string;

before(async () => {
  ({ client, dispose } = await labClient("images"));
  work = mkdtempSync(join(tmpdir(), "rxc-images-"));
  ociTar = process.env["RXC_LAB_IMAGE_TAR"] ?? "";
  if (!ociTar) {
    execFileSync("bash", [join(repoRoot, "scripts", "build-image.sh"), work], { stdio: "ignore" });
    ociTar = join(work, "busybox-oci.tar");
  }
});
after(async () => {
  rmSync(work, { recursive: true, force: true });
  await dispose();
});

const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");
const all = <T>(o: import("rxjs").Observable<T>) => lastValueFrom(o.pipe(toArray()));
const done = (events: ImageProgress[]) => events.flatMap((e) => (e.type === "done" ? [e.image] : []));

/** Nothing left in the namespace: no images, no content, no leases, no snapshots. */
async function assertEmpty(c: Containerd, what: string): Promise<void> {
  assert.deepEqual(
    (await lastValueFrom(c.images.list$())).map((i) => i.name),
    [],
    `${what}: images`,
  );
  assert.deepEqual(await lastValueFrom(c.leases.list$()), [], `${what}: leases`);
  assert.deepEqual(
    (await lastValueFrom(c.content.list$())).map((i) => i.digest),
    [],
    `${what}: content`,
  );
  assert.deepEqual(await lastValueFrom(c.content.statuses$()), [], `${what}: ingests`);
  assert.deepEqual(
    (await lastValueFrom(c.snapshots().list$())).map((s) => s.name),
    [],
    `${what}: snapshots`,
  );
}

/** Extracts the OCI tar into a fresh dir. */
function unpackLayout(): string {
  const dir = mkdtempSync(join(work, "layout-"));
  execFileSync("tar", ["-xf", ociTar, "-C", dir]);
  return dir;
}
function tarDir(dir: string, name: string): string {
  const out = join(work, name);
  execFileSync("tar", ["-C", dir, "-cf", out, ...readdirSync(dir)]);
  return out;
}
function layoutJson(dir: string) {
  const index = JSON.parse(readFileSync(join(dir, "index.json"), "utf8")) as { manifests: { digest: string }[] };
  const mdig = (index.manifests[0]?.digest ?? "").slice(7);
  const manifest = JSON.parse(readFileSync(join(dir, "blobs/sha256", mdig), "utf8")) as {
    config: { digest: string };
    layers: { digest: string; mediaType: string }[];
  };
  return { index, manifest, mdig };
}

test("import$ the lab's busybox OCI tar, inspect, unpack$, run a container, unpack$ again", async () => {
  const events = await all(client.images.import$(ociTar));
  const blobs = events.filter((e) => e.type === "blob" && e.state === "written");
  assert.equal(blobs.length, 3, "manifest, config, layer written");
  const [img] = done(events);
  assert.ok(img);
  assert.equal(img.name, REF);
  assert.equal(img.target.mediaType, "application/vnd.oci.image.manifest.v1+json");
  assert.equal(await lastValueFrom(img.isUnpacked$()), false);
  assert.deepEqual(await lastValueFrom(client.leases.list$()), [], "import lease deleted");
  const config = await lastValueFrom(img.config$());
  assert.deepEqual(config.config?.Cmd, ["sh"]);
  const diffIds = await lastValueFrom(img.rootfs$());
  assert.equal(diffIds.length, 1);
  assert.deepEqual(await lastValueFrom(img.platforms$()), [{ os: "linux", architecture: "amd64" }]);
  const { manifest } = layoutJson(unpackLayout());
  const layerSize = (await lastValueFrom(client.content.info$(manifest.layers[0]?.digest ?? ""))).size;
  assert.ok((await lastValueFrom(img.size$())) > layerSize);
  const manifestInfo = await lastValueFrom(client.content.info$(img.target.digest));
  assert.equal(manifestInfo.labels["containerd.io/gc.ref.content.config"], manifest.config.digest, "GC labels set");
  assert.equal(manifestInfo.labels["containerd.io/gc.ref.content.l.1"], manifest.layers[0]?.digest);

  const unpack = await all(img.unpack$());
  assert.deepEqual(
    unpack.map((e) => (e.type === "layer" ? `${e.index}:${e.state}` : e.type)),
    ["0:unpacked", "done"],
  );
  assert.equal(await lastValueFrom(img.isUnpacked$()), true);
  const layerInfo = await lastValueFrom(client.content.info$(manifest.layers[0]?.digest ?? ""));
  assert.equal(layerInfo.labels["containerd.io/uncompressed"], diffIds[0]);
  const cfgInfo = await lastValueFrom(client.content.info$(manifest.config.digest));
  assert.equal(cfgInfo.labels["containerd.io/gc.ref.snapshot.overlayfs"], diffIds[0]);
  const again = await all(img.unpack$());
  assert.deepEqual(
    again.map((e) => (e.type === "layer" ? e.state : e.type)),
    ["exists", "done"],
    "idempotent",
  );
  const run = await all(client.run$("from-import", { image: REF, args: ["true"] }));
  const exited = run.find((e) => e.type === "exited");
  assert.equal(exited?.type === "exited" ? exited.status.code : -1, 0);
  assert.deepEqual(await lastValueFrom(client.leases.list$()), []);

  // images.get$/list$/update$/delete$
  assert.equal((await lastValueFrom(client.images.get$(REF))).target.digest, img.target.digest);
  const upd = await lastValueFrom(client.images.update$(REF, { labels: { team: "a" } }));
  assert.equal(upd.labels["team"], "a");
  // A labels-only update keeps the target (and, on 1.7/2.x, does not crash the daemon: it needs a target in every Update).
  assert.equal(upd.target.digest, img.target.digest);
  assert.equal((await lastValueFrom(client.images.get$(REF))).labels["team"], "a");
  assert.deepEqual(
    (await lastValueFrom(client.images.list$("labels.team==a"))).map((i) => i.name),
    [REF],
  );
  assert.ok(isNotFound((await settle(lastValueFrom(client.images.get$("nope:1")))).error));
  assert.ok(isInvalidArgument((await settle(lastValueFrom(client.images.get$("")))).error));
  await lastValueFrom(client.images.delete$(REF, { sync: true }));
  await assertEmpty(client, "after delete with sync");
});

test("import$ with unpack: true, from a Readable, then concurrent unpack$ of the same image", async () => {
  const events = await all(client.images.import$(createReadStream(ociTar), { unpack: true }));
  assert.deepEqual(
    events.filter((e) => e.type === "layer").map((e) => e.type === "layer" && e.state),
    ["unpacked"],
  );
  const [img] = done(events);
  assert.ok(img && (await lastValueFrom(img.isUnpacked$())));
  // Remove the snapshot (image keeps content) and unpack twice at once.
  const sn = client.snapshots();
  for (const s of await lastValueFrom(sn.list$())) await lastValueFrom(sn.remove$(s.name));
  const results = await Promise.all([all(img.unpack$()), all(img.unpack$()), all(img.unpack$())]);
  const states = results.map((r) => r.flatMap((e) => (e.type === "layer" ? [e.state] : [])).join());
  assert.equal(states.filter((s) => s === "unpacked").length, 1, `exactly one unpack won: ${states.join(" | ")}`);
  const snaps = await lastValueFrom(sn.list$());
  assert.deepEqual(
    snaps.map((s) => s.kind),
    ["committed"],
    "no prepared keys left behind",
  );
  const run = await all(client.run$("after-race", { image: REF, args: ["true"] }));
  assert.ok(run.some((e) => e.type === "exited" && e.status.code === 0));
  await lastValueFrom(client.images.delete$(REF, { sync: true }));
  await assertEmpty(client, "after concurrent unpack");
});

test("import$ a docker-save archive (manifest.json, config, layer.tar, repositories) and run it", async () => {
  const { manifest } = layoutJson(unpackLayout());
  const layout = unpackLayout();
  const layerTar = gunzipSync(readFileSync(join(layout, "blobs/sha256", (manifest.layers[0]?.digest ?? "").slice(7))));
  const cfg = JSON.parse(readFileSync(join(layout, "blobs/sha256", manifest.config.digest.slice(7)), "utf8")) as Record<
    string,
    unknown
  >;
  const dir = mkdtempSync(join(work, "docker-"));
  const id = sha(Buffer.from("layer-id"));
  mkdirSync(join(dir, id));
  writeFileSync(join(dir, id, "layer.tar"), layerTar);
  writeFileSync(join(dir, id, "VERSION"), "1.0");
  writeFileSync(join(dir, id, "json"), JSON.stringify({ id }));
  const cfgBytes = Buffer.from(JSON.stringify(cfg));
  writeFileSync(join(dir, `${sha(cfgBytes)}.json`), cfgBytes);
  writeFileSync(
    join(dir, "manifest.json"),
    JSON.stringify([
      {
        Config: `${sha(cfgBytes)}.json`,
        RepoTags: ["dsave:1.0", "example.com/team/dsave:2"],
        Layers: [`${id}/layer.tar`],
      },
    ]),
  );
  writeFileSync(join(dir, "repositories"), JSON.stringify({ dsave: { "1.0": id } }));
  const archive = tarDir(dir, "docker-save.tar");
  const events = await all(client.images.import$(archive, { unpack: true }));
  const imgs = done(events);
  assert.deepEqual(imgs.map((i) => i.name).sort(), ["docker.io/library/dsave:1.0", "example.com/team/dsave:2"]);
  assert.equal(imgs[0]?.target.mediaType, "application/vnd.docker.distribution.manifest.v2+json");
  assert.deepEqual(
    await lastValueFrom(imgs[0]!.rootfs$()),
    [`sha256:${sha(layerTar)}`],
    "uncompressed layer digest = diff ID",
  );
  const run = await all(client.run$("from-docker", { image: "docker.io/library/dsave:1.0", args: ["true"] }));
  assert.ok(run.some((e) => e.type === "exited" && e.status.code === 0));
  for (const i of imgs) await lastValueFrom(client.images.delete$(i.name, { sync: true }));
  await assertEmpty(client, "after docker-save import");
});

test("bad archives fail with typed errors and leave nothing behind", async () => {
  const cases: [string, () => string | Readable, (e: unknown) => boolean][] = [
    ["not a tar", () => Readable.from([Buffer.alloc(4096, 7)]), isInvalidArgument],
    ["empty input", () => Readable.from([Buffer.alloc(0)]), isInvalidArgument],
    ["truncated tar", () => Readable.from([readFileSync(ociTar).subarray(0, 30000)]), isInvalidArgument],
    [
      "missing layer blob",
      () => {
        const d = unpackLayout();
        rmSync(join(d, "blobs/sha256", (layoutJson(d).manifest.layers[0]?.digest ?? "").slice(7)));
        return tarDir(d, "missing.tar");
      },
      isInvalidArgument,
    ],
    [
      "missing index.json",
      () => {
        const d = unpackLayout();
        rmSync(join(d, "index.json"));
        return tarDir(d, "noindex.tar");
      },
      isInvalidArgument,
    ],
    [
      "digest mismatch",
      () => {
        const d = unpackLayout();
        const p = join(d, "blobs/sha256", layoutJson(d).manifest.config.digest.slice(7));
        writeFileSync(p, readFileSync(p, "utf8").replace("amd64", "AMD64"));
        return tarDir(d, "corrupt.tar");
      },
      isDataLoss,
    ],
    [
      "wrong media type",
      () => {
        const d = unpackLayout();
        const { index } = layoutJson(d);
        writeFileSync(
          join(d, "index.json"),
          JSON.stringify({
            ...index,
            manifests: index.manifests.map((m) => ({ ...m, mediaType: "application/x-bogus" })),
          }),
        );
        return tarDir(d, "badtype.tar");
      },
      isInvalidArgument,
    ],
    ["no such file", () => join(work, "does-not-exist.tar"), isInvalidArgument],
  ];
  for (const [what, make, check] of cases) {
    const r = await settle(lastValueFrom(client.images.import$(make())));
    assert.ok(check(r.error), `${what}: ${String(r.error)}`);
    await assertEmpty(client, what);
  }
  const bad = await settle(lastValueFrom(client.images.import$("")));
  assert.ok(isInvalidArgument(bad.error));
});

test("unsubscribing mid-import leaves nothing (lease deleted, ingest aborted, GC'd)", async () => {
  const data = readFileSync(ociTar);
  let release!: () => void;
  const gate = new Promise<void>((r) => {
    release = r;
  });
  async function* slow() {
    yield data.subarray(0, 4096 + 100_000); // into the layer blob
    await gate;
    yield data.subarray(4096 + 100_000);
  }
  const seen: ImageProgress[] = [];
  const sub = client.images.import$(Readable.from(slow())).subscribe({ next: (e) => seen.push(e) });
  await waitFor(() => seen.some((e) => e.type === "blob" && e.state === "writing"), {
    message: "import$ reports a blob being written",
    intervalMs: 5,
  });
  sub.unsubscribe();
  release();
  await waitFor(async () => (await lastValueFrom(client.leases.list$())).length === 0, {
    message: "import$'s lease is deleted after unsubscribe",
  });
  await waitFor(async () => (await lastValueFrom(client.content.statuses$())).length === 0, {
    message: "import$'s ingests are aborted after unsubscribe",
  });
  await assertEmpty(client, "after unsubscribe");
});

test("export$ → ctr images import → run; and export$ → import$ round trip", async () => {
  await lastValueFrom(client.images.import$(ociTar, { unpack: true }).pipe(filter((e) => e.type === "done")));
  const out = join(work, "export.tar");
  await lastValueFrom(client.images.export$([REF], out));
  const list = execFileSync("tar", ["-tf", out], { encoding: "utf8" }).split("\n").filter(Boolean);
  assert.ok(list.includes("oci-layout") && list.includes("index.json"), list.join(","));
  const index = JSON.parse(execFileSync("tar", ["-xOf", out, "index.json"], { encoding: "utf8" })) as {
    manifests: { annotations: Record<string, string> }[];
  };
  assert.equal(index.manifests[0]?.annotations["io.containerd.image.name"], REF);
  assert.equal(index.manifests[0]?.annotations["org.opencontainers.image.ref.name"], "latest");
  // ctr, into a fresh namespace
  const ns = `${client.namespace}-ctr`;
  const other = client.withNamespace(ns);
  try {
    execFileSync(
      "ctr",
      ["-a", process.env["CONTAINERD_ADDRESS"] ?? "", "-n", ns, "images", "import", "--snapshotter", "overlayfs", out],
      { stdio: "pipe" },
    );
    const run = await all(other.run$("from-ctr", { image: REF, args: ["true"] }));
    assert.ok(run.some((e) => e.type === "exited" && e.status.code === 0));
    // and our own importer reads our own export
    await lastValueFrom(other.images.delete$(REF, { sync: true }));
    const back = done(await all(other.images.import$(out, { unpack: true })));
    assert.deepEqual(
      back.map((i) => i.name),
      [REF],
    );
    await lastValueFrom(other.images.delete$(REF, { sync: true }));
    await assertEmpty(other, "ctr namespace");
  } finally {
    await lastValueFrom(other.namespaces.delete$(ns)).catch(() => undefined);
  }
  assert.ok(isNotFound((await settle(lastValueFrom(client.images.export$(["nope:1"], join(work, "x.tar"))))).error));
  await lastValueFrom(client.images.delete$(REF, { sync: true }));
});

/** Writes `value` as a blob of the layout; returns its descriptor fields. */
function putBlob(dir: string, value: unknown): { digest: string; size: number } {
  const data = Buffer.from(JSON.stringify(value));
  const hex = sha(data);
  writeFileSync(join(dir, "blobs/sha256", hex), data);
  return { digest: `sha256:${hex}`, size: data.length };
}

test("platform selection, allPlatforms and baseName naming", async () => {
  const d = unpackLayout();
  const { index } = layoutJson(d);
  const amd = index.manifests[0] as Record<string, unknown>;
  const arm = {
    ...amd,
    digest: `sha256:${"e".repeat(64)}`,
    platform: { os: "linux", architecture: "arm64" },
    annotations: { "org.opencontainers.image.ref.name": "arm" },
  };
  writeFileSync(
    join(d, "index.json"),
    JSON.stringify({
      ...index,
      manifests: [{ ...amd, annotations: { "org.opencontainers.image.ref.name": "v1" } }, arm],
    }),
  );
  const archive = tarDir(d, "multi.tar");
  const imgs = done(await all(client.images.import$(archive, { baseName: "example.com/bb" })));
  assert.deepEqual(
    imgs.map((i) => i.name),
    ["example.com/bb:v1"],
    "arm64 entry skipped by default",
  );
  const r = await settle(lastValueFrom(client.images.import$(archive, { allPlatforms: true })));
  assert.ok(isInvalidArgument(r.error) && /missing blob/.test(String(r.error)), String(r.error));
  assert.deepEqual(
    (await lastValueFrom(client.images.list$())).map((i) => i.name),
    ["example.com/bb:v1"],
    "failed import rolled back, earlier image kept",
  );
  const withDigests = done(await all(client.images.import$(archive, { baseName: "example.com/bb", digestRefs: true })));
  assert.deepEqual(
    withDigests.map((i) => i.name),
    ["example.com/bb:v1", `example.com/bb@${String(amd["digest"])}`],
  );
  await lastValueFrom(client.images.delete$(`example.com/bb@${String(amd["digest"])}`));
  assert.ok(
    isInvalidArgument((await settle(lastValueFrom(client.images.import$(archive, { digestRefs: true })))).error),
  );
  const none = await settle(
    lastValueFrom(client.images.import$(archive, { platform: { os: "windows", architecture: "amd64" } })),
  );
  assert.ok(isNotFound(none.error), String(none.error));
  await lastValueFrom(client.images.delete$("example.com/bb:v1", { sync: true }));
  await assertEmpty(client, "after platform tests");
});

test("unpack$ with a wrong diff ID fails as DataLoss and leaves no prepared snapshot", async () => {
  const d = unpackLayout();
  const { index, manifest } = layoutJson(d);
  const cfg = JSON.parse(readFileSync(join(d, "blobs/sha256", manifest.config.digest.slice(7)), "utf8")) as {
    rootfs: { diff_ids: string[] };
  };
  cfg.rootfs.diff_ids = [`sha256:${"0".repeat(64)}`];
  const config = putBlob(d, cfg);
  const m = putBlob(d, { ...manifest, config: { ...manifest.config, ...config } });
  writeFileSync(
    join(d, "index.json"),
    JSON.stringify({
      ...index,
      manifests: [{ ...index.manifests[0], ...m, annotations: { "io.containerd.image.name": "bad/diffid:1" } }],
    }),
  );
  const [img] = done(await all(client.images.import$(tarDir(d, "diffid.tar"))));
  assert.ok(img);
  const r = await settle(all(img.unpack$()));
  assert.ok(isDataLoss(r.error) && /wrong diff id/.test(String(r.error)), String(r.error));
  assert.deepEqual(await lastValueFrom(client.snapshots().list$()), [], "prepared key removed");
  assert.deepEqual(await lastValueFrom(client.leases.list$()), []);
  await lastValueFrom(client.images.delete$("bad/diffid:1", { sync: true })); // io.containerd.image.name is used as is
  await assertEmpty(client, "after bad diff id");
});

test("unsubscribing unpack$ at any point leaves no prepared snapshot and no lease", async () => {
  const [img] = done(await all(client.images.import$(ociTar)));
  assert.ok(img);
  const sn = client.snapshots();
  for (const delay of [0, 2, 5, 10, 20, 40]) {
    for (const s of await lastValueFrom(sn.list$())) await lastValueFrom(sn.remove$(s.name));
    const sub = img.unpack$().subscribe();
    await new Promise((r) => setTimeout(r, delay));
    sub.unsubscribe();
    await waitFor(async () => (await lastValueFrom(client.leases.list$())).length === 0, {
      message: `delay ${delay}: unpack$'s lease is deleted after unsubscribe`,
      intervalMs: 10,
    });
    const left = await lastValueFrom(sn.list$());
    assert.ok(
      left.every((s) => s.kind === "committed"),
      `delay ${delay}: ${JSON.stringify(left)}`,
    );
  }
  assert.ok(
    (await all(img.unpack$())).some((e) => e.type === "done"),
    "a later unpack$ completes",
  );
  await lastValueFrom(client.images.delete$(REF, { sync: true }));
  await assertEmpty(client, "after interrupted unpacks");
});
