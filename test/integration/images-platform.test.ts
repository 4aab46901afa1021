// Pull, import, unpack and create choose one manifest (containerd's platforms.Only), concurrent
// pulls sharing a layer wait for each other with a lease each, content writers wait for a locked
// ref and release their Readable, archives sniffed for gzip across chunks, zstd layers.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { gzipSync } from "node:zlib";
import { lastValueFrom, of, Subject, toArray, type Subscription } from "rxjs";
import { Containerd, isNotImplemented, parsePlatform, type ImageProgress } from "../../src/index.js";
import { ZSTD_SUPPORTED } from "../../src/observables/tar/tar-files.js";
import { labAddress, labClient } from "../support/lab.js";
import { startGateProxy } from "../support/gate-proxy.js";
import { layoutArchive, tarOf, writeLayout, type Layout } from "../support/oci-layout.js";
import { registryDown, registrySeed, registryUp, sha256, skopeo } from "../support/registry.js";
import { settle } from "../support/settle.js";

let client: Containerd;
let dispose: () => Promise<void>;
let tmp: string;
let registry: string;
let arm: Layout;
let bigLayer: string;
const extra: Containerd[] = [];

/** Polls `check` every 50 ms until it is true; fails with `message` after `ms`. */
async function until(check: () => boolean | Promise<boolean>, ms: number, message: string): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms: ${message}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const leases = async (c: Containerd = client) => (await lastValueFrom(c.services.leases.list$({}))).leases;
const layerEvents = (events: readonly ImageProgress[]) =>
  events.filter((e): e is Extract<ImageProgress, { type: "layer" }> => e.type === "layer");

/** Another client on the same namespace: its callStats count only its own calls. */
function sibling(): Containerd {
  const c = new Containerd({ address: labAddress(), namespace: client.namespace });
  extra.push(c);
  return c;
}

before(async () => {
  ({ client, dispose } = await labClient("platform"));
  tmp = mkdtempSync(join(tmpdir(), "rxc-platform-test-"));
  registry = registryUp();
  // An index listing arm v5, v6, v7 in that order (and amd64 last): each layer a real tar naming its platform.
  const armImages = (["v5", "v6", "v7"] as const).map((variant) => ({
    platform: { os: "linux", architecture: "arm", variant },
    layers: [{ platform: `linux/arm/${variant}\n` }],
  }));
  arm = writeLayout(
    join(tmp, "arm"),
    [...armImages, { platform: { os: "linux", architecture: "amd64" }, layers: [{ platform: "linux/amd64\n" }] }],
    { index: true },
  );
  registrySeed(registry, `oci:${join(tmp, "arm")}:latest`, "arm:latest", { all: true });
  // Two images sharing one large uncompressed layer (different configs).
  const big = tarOf({ "random.bin": randomBytes(24 << 20) });
  for (const name of ["share-a", "share-b"]) {
    writeLayout(
      join(tmp, name),
      [
        {
          platform: { os: "linux", architecture: "amd64" },
          layers: [big],
          compression: "none",
          config: { config: { Env: [`NAME=${name}`] } },
        },
      ],
      { index: false },
    );
    registrySeed(registry, `oci:${join(tmp, name)}:latest`, `${name}:latest`);
  }
  // skopeo may recompress on the way in: take the shared layer's digest from the registry.
  const manifest = JSON.parse(
    skopeo("inspect", "--raw", "--tls-verify=false", `docker://${registry}/share-a:latest`),
  ) as { layers: { digest: string }[] };
  bigLayer = manifest.layers[0]?.digest ?? "";
});

after(async () => {
  for (const c of extra) c.close();
  if (registry) registryDown(registry);
  if (tmp) rmSync(tmp, { recursive: true, force: true });
  await dispose();
});

test("pull of linux/arm/v7 from an index ordered v5, v6, v7 unpacks v7 (pull, unpack and create choose alike)", async () => {
  const ref = `${registry}/arm:latest`;
  const v7 = arm.images[2];
  assert.ok(v7);
  const events = await lastValueFrom(
    client.images.pull$(ref, { platform: "linux/arm/v7", unpack: true }).pipe(toArray()),
  );
  assert.equal(events.at(-1)?.type, "done", JSON.stringify(events.at(-1)));
  assert.deepEqual(
    layerEvents(events).map((e) => e.digest),
    v7.layers,
    "the v7 layer was unpacked",
  );
  const image = await lastValueFrom(client.images.get$(ref));
  const config = await lastValueFrom(image.config$({ platform: parsePlatform("linux/arm/v7") }));
  assert.equal((config as { variant?: string }).variant, "v7");
  // create$ with the same platform (a string with a variant) finds the unpacked v7 snapshot.
  const container = await lastValueFrom(
    client.containers.create$("arm-v7", { image: ref, platform: "linux/arm/v7", args: ["true"] }),
  );
  await lastValueFrom(container.delete$());
  await lastValueFrom(client.images.delete$(ref, { sync: true }));
  assert.deepEqual(await leases(), []);
});

test("import$ of the index (gzipped, first chunk 1 byte) for linux/arm/v7 unpacks v7, not the first arm entry", async () => {
  const archive = gzipSync(layoutArchive(join(tmp, "arm")));
  const source = Readable.from([archive.subarray(0, 1), archive.subarray(1)], { objectMode: false });
  const events = await lastValueFrom(
    client.images
      .import$(source, { platform: parsePlatform("linux/arm/v7"), unpack: true, baseName: "example.com/arm" })
      .pipe(toArray()),
  );
  const done = events.filter((e) => e.type === "done").map((e) => (e.type === "done" ? e.image.name : ""));
  assert.deepEqual(done, ["example.com/arm:latest"]);
  assert.deepEqual(
    layerEvents(events).map((e) => e.digest),
    arm.images[2]?.layers,
    "the v7 layer was unpacked",
  );
  await lastValueFrom(client.images.delete$("example.com/arm:latest", { sync: true }));
  assert.deepEqual(await leases(), []);
});

test("concurrent pulls sharing a large layer (two of the same reference): each has its own lease, they wait for the writer, all succeed, no lease left", async () => {
  const gate = await startGateProxy(registry, bigLayer);
  try {
    const refs = [`${gate.address}/share-a:latest`, `${gate.address}/share-a:latest`, `${gate.address}/share-b:latest`];
    const clients = refs.map(() => sibling());
    const results: Promise<ImageProgress[]>[] = [];
    const failures: unknown[] = [];
    const subs: Subscription[] = [];
    const start = (i: number) => {
      results[i] = new Promise<ImageProgress[]>((resolve, reject) => {
        const got: ImageProgress[] = [];
        subs.push(
          (clients[i] as Containerd).images.pull$(refs[i] as string).subscribe({
            next: (p) => got.push(p),
            error: (e: unknown) => {
              failures.push(e);
              reject(e as Error);
            },
            complete: () => resolve(got),
          }),
        );
      });
      results[i]?.catch(() => undefined);
    };
    start(0);
    await Promise.race([
      gate.held,
      results[0]?.then(() => {
        throw new Error("the first pull finished before it could be held");
      }),
    ]);
    // Pull 0 holds the ingest ref of the shared layer; pulls 1 (same reference) and 2 (another image) start now.
    const base = clients.map((c) => c.callStats.started);
    start(1);
    start(2);
    // The old writer gave up after 6 attempts (~1.5 s); wait until both have retried well past that.
    await until(
      () => {
        if (failures.length > 0)
          throw new Error(`a pull failed while another wrote the shared layer: ${String(failures[0])}`);
        return [1, 2].every((i) => (clients[i]?.callStats.started ?? 0) - (base[i] ?? 0) >= 12);
      },
      120_000,
      "pulls 1 and 2 retrying the locked ingest ref",
    );
    const live = await leases();
    assert.equal(
      live.length,
      3,
      `one lease per pull, even for the same reference: ${JSON.stringify(live.map((l) => l.id))}`,
    );
    assert.equal(new Set(live.map((l) => l.id)).size, 3);
    gate.release();
    const all = await Promise.all(results);
    for (const [i, events] of all.entries()) {
      assert.equal(events.at(-1)?.type, "done", `pull ${i}`);
      const big = events.filter((e) => e.type === "downloading" && e.digest === bigLayer).at(-1);
      assert.ok(
        big && big.type === "downloading" && big.bytes === big.total,
        `pull ${i}: the shared layer is complete`,
      );
    }
    assert.equal(gate.gets, 1, "the shared layer was downloaded once; the waiting pulls found it committed");
    assert.deepEqual(await leases(), [], "no lease left");
    for (const ref of new Set(refs)) await lastValueFrom(client.images.delete$(ref, { sync: true }));
  } finally {
    await gate.close();
  }
});

test("content.write$ waits while another writer holds the ref, then finds the blob; unsubscribing ends the wait", async () => {
  const data = randomBytes(3 << 20);
  const expected = { digest: sha256(data), size: data.length };
  const lease = await lastValueFrom(client.leases.create$({ expireAfterMs: 600_000 }));
  const ref = `locked-${randomBytes(4).toString("hex")}`;
  const first = new Subject<Uint8Array>();
  const firstDone = lastValueFrom(client.content.write$(ref, first, { expected, lease: lease.id }));
  first.next(data.subarray(0, 1 << 20));
  await until(
    async () => (await lastValueFrom(client.content.statuses$())).some((s) => s.ref === ref && s.offset > 0),
    30_000,
    "the first writer holds the ref",
  );
  const second = sibling();
  const base = second.callStats.started;
  const waiting = settle(lastValueFrom(second.content.write$(ref, of(data), { expected, lease: lease.id })));
  let settled = false;
  void waiting.then(() => {
    settled = true;
  });
  await until(
    () => {
      if (settled) return true;
      return second.callStats.started - base >= 10;
    },
    120_000,
    "the second writer retrying the locked ref",
  );
  assert.equal(
    settled,
    false,
    `the second writer waits instead of failing: ${String((await Promise.race([waiting, Promise.resolve(undefined)]))?.error)}`,
  );
  // A third writer, unsubscribed while it waits: its wait ends and no call stays open.
  const third = sibling();
  const sub = third.content.write$(ref, of(data), { expected, lease: lease.id }).subscribe({ error: () => undefined });
  await until(() => third.callStats.started >= 2, 30_000, "the third writer tried the ref");
  sub.unsubscribe();
  await until(() => third.callStats.active === 0, 10_000, "the third writer's calls end on unsubscribe");
  // …and it stops retrying: no new call while the second writer retries 6 more times (seconds;
  // a waiting writer retries at least every ~3 s: its delay ≤ 2 s plus the daemon's lock wait ≤ 1 s).
  const thirdCalls = third.callStats.started;
  const secondCalls = second.callStats.started;
  await until(() => settled || second.callStats.started - secondCalls >= 6, 120_000, "the second writer retrying");
  assert.equal(third.callStats.started, thirdCalls, "the unsubscribed writer stopped waiting");
  first.next(data.subarray(1 << 20));
  first.complete();
  assert.equal((await firstDone).existed, false);
  const r = await waiting;
  assert.equal(r.error, undefined, String(r.error));
  assert.deepEqual(r.value, { digest: expected.digest, size: expected.size, existed: true });
  await lastValueFrom(client.leases.delete$(lease.id, { sync: true }));
});

test("content.write$ of a blob already stored destroys the Readable source it never read", async () => {
  const data = Buffer.from(`stored ${randomBytes(8).toString("hex")}`);
  const expected = { digest: sha256(data), size: data.length };
  const lease = await lastValueFrom(client.leases.create$({ expireAfterMs: 600_000 }));
  await lastValueFrom(client.content.write$("stored-1", of(data), { expected, lease: lease.id }));
  let reads = 0;
  const source = new Readable({
    read() {
      reads++;
    },
  }); // never ends by itself
  const closed = new Promise<void>((resolve) => source.on("close", () => resolve()));
  const r = await lastValueFrom(client.content.write$("stored-2", source, { expected, lease: lease.id }));
  assert.equal(r.existed, true);
  await Promise.race([
    closed,
    new Promise((_, reject) => setTimeout(() => reject(new Error("the Readable was not closed within 5 s")), 5000)),
  ]);
  assert.equal(source.destroyed, true);
  assert.equal(reads, 0, "nothing was read");
  await lastValueFrom(client.leases.delete$(lease.id, { sync: true }));
});

test("a zstd layer: reading /etc/passwd for a user name decompresses it, or fails with NotImplementedError (not a tar parse of zstd)", async () => {
  const dir = join(tmp, "zstd");
  mkdirSync(dir, { recursive: true });
  writeLayout(
    dir,
    [
      {
        platform: { os: "linux", architecture: "amd64" },
        compression: "zstd",
        layers: [
          {
            "etc/passwd": "root:x:0:0:root:/root:/bin/sh\nalice:x:1234:2345::/home/alice:/bin/sh\n",
            "etc/group": "root:x:0:\nstaff:x:2345:\n",
          },
        ],
      },
    ],
    { index: false },
  );
  const name = "example.com/zstd:latest";
  const events = await lastValueFrom(
    client.images
      .import$(Readable.from([layoutArchive(dir)]), { unpack: true, baseName: "example.com/zstd" })
      .pipe(toArray()),
  );
  assert.equal(events.at(-1)?.type, "done");
  const created = await settle(
    lastValueFrom(client.containers.create$("zstd-user", { image: name, user: "alice", args: ["true"] })),
  );
  if (ZSTD_SUPPORTED) {
    assert.equal(created.error, undefined, String(created.error));
    const container = created.value;
    assert.ok(container);
    const spec = await lastValueFrom(container.spec$());
    assert.deepEqual([spec.process?.user?.uid, spec.process?.user?.gid], [1234, 2345]);
    await lastValueFrom(container.delete$());
  } else {
    assert.ok(
      isNotImplemented(created.error),
      `NotImplementedError on Node ${process.version}: ${String(created.error)}`,
    );
    assert.match(String((created.error as Error).message), /zstd/);
  }
  await lastValueFrom(client.images.delete$(name, { sync: true }));
  assert.deepEqual(await leases(), []);
});
