import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import { from, lastValueFrom, of, Subject, throwError, toArray } from "rxjs";
import {
  isAlreadyExists,
  isDataLoss,
  isInvalidArgument,
  isNotFound,
  withLease,
  type Containerd,
} from "../../src/index.js";
import { labClient } from "../support/lab.js";
import { settle } from "../support/settle.js";
import { waitFor } from "../support/wait-for.js";

let client: Containerd;
let dispose: () => Promise<void>;
before(async () => ({ client, dispose } = await labClient("store")));
after(async () => dispose());

const sha = (b: Buffer) => `sha256:${createHash("sha256").update(b).digest("hex")}`;

test("leases: create with labels and expiry, list, resources, delete", async () => {
  const lease = await lastValueFrom(
    client.leases.create$({ id: "my-lease", labels: { a: "1" }, expireAfterMs: 60_000 }),
  );
  assert.equal(lease.id, "my-lease");
  assert.equal(lease.labels["a"], "1");
  assert.ok(Date.parse(lease.labels["containerd.io/gc.expire"] ?? "") > Date.now());
  const dup = await settle(lastValueFrom(client.leases.create$({ id: "my-lease" })));
  assert.ok(isAlreadyExists(dup.error), String(dup.error));
  assert.deepEqual(
    (await lastValueFrom(client.leases.list$("id==my-lease"))).map((l) => l.id),
    ["my-lease"],
  );
  const data = Buffer.from("leased blob");
  await lastValueFrom(
    client.content.write$("leased-ref", of(data), {
      expected: { digest: sha(data), size: data.length },
      lease: "my-lease",
    }),
  );
  const res = await lastValueFrom(client.leases.resources$("my-lease"));
  assert.ok(
    res.some((r) => r.type === "content" && r.id === sha(data)),
    JSON.stringify(res),
  );
  await lastValueFrom(client.leases.deleteResource$("my-lease", { type: "content", id: sha(data) }));
  assert.deepEqual(await lastValueFrom(client.leases.resources$("my-lease")), []);
  await lastValueFrom(client.leases.addResource$("my-lease", { type: "content", id: sha(data) }));
  await lastValueFrom(client.leases.delete$("my-lease", { sync: true }));
  const gone = await settle(lastValueFrom(client.content.info$(sha(data))));
  assert.ok(isNotFound(gone.error), "synchronous GC collected the unreferenced blob");
  const bad = await settle(lastValueFrom(client.leases.create$({ id: "bad id" })));
  assert.ok(isInvalidArgument(bad.error));
});

test("withLease: the body's calls use the lease, which is deleted on complete, error and unsubscribe", async () => {
  let seen = "";
  const data = Buffer.from("with-lease");
  const out = await lastValueFrom(
    withLease(
      client,
      (lease) => {
        seen = lease;
        return client.content.write$("wl", of(data), { expected: { digest: sha(data), size: data.length }, lease });
      },
      { sync: true },
    ),
  );
  assert.equal(out.digest, sha(data));
  assert.match(seen, /^rxcontainerd-/);
  assert.deepEqual(await lastValueFrom(client.leases.list$()), [], "lease deleted after complete");
  assert.ok(
    isNotFound((await settle(lastValueFrom(client.content.info$(sha(data))))).error),
    "content collected with the lease",
  );
  const failed = await settle(lastValueFrom(withLease(client, () => throwError(() => new Error("boom")))));
  assert.equal((failed.error as Error).message, "boom");
  assert.deepEqual(await lastValueFrom(client.leases.list$()), [], "lease deleted after error");
  const inner = new Subject<number>();
  let leaseId = "";
  const sub = withLease(client, (lease) => {
    leaseId = lease;
    return inner;
  }).subscribe();
  await waitFor(() => leaseId !== "", { message: "withLease created its lease", intervalMs: 1 });
  assert.equal((await lastValueFrom(client.leases.list$())).length, 1);
  sub.unsubscribe();
  await waitFor(async () => (await lastValueFrom(client.leases.list$())).length === 0, {
    message: "the lease is deleted after unsubscribe",
  });
});

test("content: write (Observable and Readable), info, read ranges, labels, list, delete", async () => {
  const data = randomBytes(3 * 1024 * 1024 + 17);
  const expected = { digest: sha(data), size: data.length };
  const lease = await lastValueFrom(client.leases.create$());
  try {
    const w = await lastValueFrom(
      client.content.write$("obs", from([data.subarray(0, 1000), data.subarray(1000)]), {
        expected,
        labels: { x: "1" },
        lease: lease.id,
      }),
    );
    assert.deepEqual(w, { digest: expected.digest, size: expected.size, existed: false });
    const again = await lastValueFrom(
      client.content.write$("readable", Readable.from([data]), { expected, lease: lease.id }),
    );
    assert.equal(again.existed, true, "AlreadyExists is success");
    const info = await lastValueFrom(client.content.info$(expected.digest));
    assert.equal(info.size, data.length);
    assert.equal(info.labels["x"], "1");
    const chunks = await lastValueFrom(client.content.read$(expected.digest).pipe(toArray()));
    assert.ok(Buffer.concat(chunks).equals(data));
    const part = Buffer.concat(
      await lastValueFrom(client.content.read$(expected.digest, { offset: 10, size: 100 }).pipe(toArray())),
    );
    assert.ok(part.equals(data.subarray(10, 110)));
    const upd = await lastValueFrom(client.content.update$(expected.digest, { x: "", y: "2" }));
    assert.deepEqual(upd.labels, { y: "2" });
    assert.ok((await lastValueFrom(client.content.list$("labels.y==2"))).some((i) => i.digest === expected.digest));
    await lastValueFrom(client.content.delete$(expected.digest));
    assert.ok(isNotFound((await settle(lastValueFrom(client.content.info$(expected.digest)))).error));
  } finally {
    await lastValueFrom(client.leases.delete$(lease.id, { sync: true }));
  }
});

test("content: digest or size mismatch is DataLoss and nothing is committed; bad input is InvalidArgument", async () => {
  const data = Buffer.from("some data");
  const wrong = sha(Buffer.from("other"));
  const r = await settle(
    lastValueFrom(client.content.write$("mismatch", of(data), { expected: { digest: wrong, size: data.length } })),
  );
  assert.ok(isDataLoss(r.error), String(r.error));
  assert.ok(isNotFound((await settle(lastValueFrom(client.content.status$("mismatch")))).error), "ingest aborted");
  const s = await settle(
    lastValueFrom(client.content.write$("size", of(data), { expected: { digest: sha(data), size: 3 } })),
  );
  assert.ok(isDataLoss(s.error), String(s.error));
  assert.ok(isInvalidArgument((await settle(lastValueFrom(client.content.info$("md5:x")))).error));
  assert.ok(isInvalidArgument((await settle(lastValueFrom(client.content.read$(sha(data), { offset: -1 })))).error));
  for (const bad of [
    client.content.write$("", of(data), { expected: { digest: sha(data), size: 9 } }),
    client.content.write$("r", of(data), { expected: { digest: "sha256:zz", size: 9 } }),
  ]) {
    assert.ok(isInvalidArgument((await settle(lastValueFrom(bad))).error));
  }
});

test("content: an interrupted write resumes from the daemon's offset", async () => {
  const data = randomBytes(5 * 1024 * 1024);
  const expected = { digest: sha(data), size: data.length };
  const lease = await lastValueFrom(client.leases.create$());
  try {
    // First attempt: the source fails after 3 MiB; the partial ingest stays.
    const broken = new Subject<Uint8Array>();
    const p = settle(lastValueFrom(client.content.write$("resumable", broken, { expected, lease: lease.id })));
    broken.next(data.subarray(0, 3 << 20));
    // Wait until the daemon holds some bytes, then break the source.
    await waitFor(
      async () => {
        const status = await settle(lastValueFrom(client.content.status$("resumable")));
        return status.error === undefined && (status.value?.offset ?? 0) >= 2 << 20;
      },
      { message: "the daemon holds 2 MiB of the resumable ingest", intervalMs: 10 },
    );
    broken.error(new Error("network down"));
    assert.match(((await p).error as Error).message, /network down/);
    const held = await lastValueFrom(client.content.status$("resumable"));
    assert.ok(held.offset >= 2 << 20, `partial ingest kept at ${held.offset}`);
    // Second attempt with the same ref: only the rest is sent, the blob verifies.
    const done = await lastValueFrom(client.content.write$("resumable", of(data), { expected, lease: lease.id }));
    assert.deepEqual(done, { ...expected, existed: false });
    const back = Buffer.concat(await lastValueFrom(client.content.read$(expected.digest).pipe(toArray())));
    assert.ok(back.equals(data));
    // A resume with different data under the same ref fails as DataLoss (prefix check), then starts clean.
    const other = randomBytes(2 << 20);
    const oexp = { digest: sha(other), size: other.length };
    const bs = new Subject<Uint8Array>();
    const p2 = settle(lastValueFrom(client.content.write$("reuse", bs, { expected: oexp, lease: lease.id })));
    bs.next(other.subarray(0, 1500 * 1024));
    await waitFor(
      async () => {
        const st = await settle(lastValueFrom(client.content.status$("reuse")));
        return st.error === undefined && (st.value?.offset ?? 0) >= 1 << 20;
      },
      { message: "the daemon holds 1 MiB of the reused ingest", intervalMs: 10 },
    );
    bs.error(new Error("cut"));
    await p2;
    const tampered = Buffer.from(other);
    tampered[5] = (tampered[5] ?? 0) ^ 0xff;
    const r = await settle(
      lastValueFrom(client.content.write$("reuse", of(tampered), { expected: oexp, lease: lease.id })),
    );
    assert.ok(isDataLoss(r.error), String(r.error));
    assert.ok(isNotFound((await settle(lastValueFrom(client.content.status$("reuse")))).error), "bad ingest aborted");
  } finally {
    await lastValueFrom(client.leases.delete$(lease.id, { sync: true }));
  }
});

test("snapshots: prepare, mounts, commit, stat, list, usage, view, remove", async () => {
  const sn = client.snapshots();
  const lease = await lastValueFrom(client.leases.create$());
  const call = { lease: lease.id };
  try {
    const mounts = await lastValueFrom(sn.prepare$("work", "", { ...call, labels: { l: "1" } }));
    assert.ok(mounts.length >= 1 && mounts[0]?.type !== undefined, JSON.stringify(mounts));
    assert.deepEqual(await lastValueFrom(sn.mounts$("work")), mounts);
    assert.equal((await lastValueFrom(sn.stat$("work"))).kind, "active");
    await lastValueFrom(sn.commit$("layer-1", "work", call));
    const info = await lastValueFrom(sn.stat$("layer-1"));
    assert.equal(info.kind, "committed");
    assert.ok(isNotFound((await settle(lastValueFrom(sn.stat$("work")))).error), "key gone after commit");
    await lastValueFrom(sn.view$("ro", "layer-1", call));
    assert.equal((await lastValueFrom(sn.stat$("ro"))).parent, "layer-1");
    assert.deepEqual(
      (await lastValueFrom(sn.list$("parent==layer-1"))).map((s) => s.name),
      ["ro"],
    );
    assert.ok((await lastValueFrom(sn.usage$("layer-1"))).inodes >= 1);
    const dup = await settle(lastValueFrom(sn.prepare$("ro", "layer-1", call)));
    assert.ok(isAlreadyExists(dup.error), String(dup.error));
    await lastValueFrom(sn.remove$("ro"));
    await lastValueFrom(sn.remove$("layer-1"));
    assert.deepEqual(await lastValueFrom(sn.list$()), []);
    assert.ok(isInvalidArgument((await settle(lastValueFrom(sn.stat$("")))).error));
  } finally {
    await lastValueFrom(client.leases.delete$(lease.id, { sync: true }));
  }
});
