// What create$ and container.delete$ ask of the daemon (docs/benchmarks.md, "Lifecycle"): no
// Snapshots.Stat before Prepare, the image's blobs read once per client, the lease made while the
// image is read and deleted whatever happens; and the errors that the removed steps used to give.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { lastValueFrom } from "rxjs";
import { Containerd, isFailedPrecondition, isNotFound } from "../../src/index.js";
import { BUSYBOX, labAddress, labClient } from "../support/lab.js";
import { settle } from "../support/settle.js";

let client: Containerd;
let dispose: () => Promise<void>;
before(async () => ({ client, dispose } = await labClient("crpc", { image: true })));
after(async () => dispose());

const leases = async () => (await lastValueFrom(client.leases.list$())).map((l) => l.id);
const containers = async () => (await lastValueFrom(client.containers.list$())).map((c) => c.id);

test("create$ with an image read before: 5 RPCs (no Content.Read, no Snapshots.Stat); delete$ 4", async () => {
  // A client of its own: its channel's counters see only this test's calls.
  const own = new Containerd({ address: labAddress(), namespace: client.namespace });
  try {
    const first = await lastValueFrom(own.containers.create$("rpc-1", { image: BUSYBOX, args: ["true"] }));
    const afterFirst = own.callStats.started;
    const c = await lastValueFrom(own.containers.create$("rpc-2", { image: BUSYBOX, args: ["true"] }));
    assert.equal(
      own.callStats.started - afterFirst,
      5,
      "Leases.Create, Images.Get, Snapshots.Prepare, Containers.Create, Leases.Delete",
    );
    const beforeDelete = own.callStats.started;
    await lastValueFrom(c.delete$());
    assert.equal(
      own.callStats.started - beforeDelete,
      4,
      "Tasks.Get, Containers.Get, Snapshots.Remove, Containers.Delete",
    );
    await lastValueFrom(first.delete$());
    assert.equal(own.callStats.active, 0, "no call left open");
  } finally {
    own.close();
  }
  assert.deepEqual(await containers(), []);
  assert.deepEqual(await leases(), []);
});

test("create$ of an image not unpacked for the snapshotter: FailedPreconditionError, nothing left", async () => {
  // The lab unpacks busybox for overlayfs only: the native snapshotter has no snapshot of it.
  const r = await settle(
    lastValueFrom(client.containers.create$("nounpack", { image: BUSYBOX, snapshotter: "native", args: ["true"] })),
  );
  assert.ok(isFailedPrecondition(r.error), String(r.error));
  assert.match(String(r.error), /image "docker\.io\/library\/busybox:latest" is not unpacked for snapshotter "native"/);
  assert.deepEqual(await containers(), []);
  assert.deepEqual(await leases(), [], "the temporary lease is deleted");
  const snap = await settle(lastValueFrom(client.snapshots({ snapshotter: "native" }).stat$("nounpack")));
  assert.ok(isNotFound(snap.error), `no snapshot left: ${String(snap.error)}`);
});

test("create$ of a missing image: NotFoundError, and the lease made meanwhile is deleted", async () => {
  // Images.Get and Leases.Create run at once: the lease must be deleted however they finish.
  for (let i = 0; i < 5; i++) {
    const r = await settle(
      lastValueFrom(client.containers.create$(`missing-${i}`, { image: "example.com/none:latest", args: ["true"] })),
    );
    assert.ok(isNotFound(r.error), String(r.error));
    assert.deepEqual(await leases(), [], `attempt ${i}: no lease left`);
  }
  assert.deepEqual(await containers(), []);
});

test("container.delete$ while a task exists: FailedPreconditionError, container kept", async () => {
  const c = await lastValueFrom(client.containers.create$("busy", { image: BUSYBOX, args: ["true"] }));
  const task = await lastValueFrom(c.newTask$());
  const r = await settle(lastValueFrom(c.delete$()));
  assert.ok(isFailedPrecondition(r.error), String(r.error));
  assert.deepEqual(await containers(), ["busy"]);
  await lastValueFrom(task.delete$({ kill: true }));
  await lastValueFrom(c.delete$());
  assert.deepEqual(await containers(), []);
  const gone = await settle(lastValueFrom(c.delete$()));
  assert.ok(isNotFound(gone.error), `a second delete$: ${String(gone.error)}`);
});

test("newTask$ of a container this client created: 3 RPCs; a snapshot changed since is honoured", async () => {
  const own = new Containerd({ address: labAddress(), namespace: client.namespace });
  try {
    const c = await lastValueFrom(own.containers.create$("hint", { image: BUSYBOX, args: ["true"] }));
    const before = own.callStats.started;
    const task = await lastValueFrom(c.newTask$());
    assert.equal(own.callStats.started - before, 3, "Containers.Get, Snapshots.Mounts, Tasks.Create");
    await lastValueFrom(task.delete$({ kill: true }));

    // The record now names another snapshot, and the one create$ made is gone: newTask$ must use
    // the record's, not the snapshot it remembers from create$.
    const snaps = own.snapshots();
    const { parent } = await lastValueFrom(snaps.stat$("hint"));
    await lastValueFrom(snaps.prepare$("hint-2", parent));
    await lastValueFrom(c.update$({ snapshotKey: "hint-2" }));
    await lastValueFrom(snaps.remove$("hint"));
    const t2 = await lastValueFrom(c.newTask$());
    const exit$ = t2.wait$();
    await lastValueFrom(t2.start$());
    assert.equal((await lastValueFrom(exit$)).code, 0, "ran from the record's snapshot");
    await lastValueFrom(t2.delete$());
    await lastValueFrom(c.delete$()); // removes hint-2
    const left = await settle(lastValueFrom(snaps.stat$("hint-2")));
    assert.ok(isNotFound(left.error), String(left.error));
  } finally {
    own.close();
  }
  assert.deepEqual(await containers(), []);
});
