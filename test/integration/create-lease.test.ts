// create$'s temporary lease expires (containerd.io/gc.expire = now + 24 h, as the Go client's
// WithLease default), so what a create$ cut short by a dead client or daemon leaves behind (its
// snapshot, which the rollback could not remove) is garbage once the lease has expired.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { lastValueFrom } from "rxjs";
import { Containerd, isNotFound, LEASE_EXPIRE_LABEL, type ContainerdError } from "../../src/index.js";
import { BUSYBOX, labAddress, labClient } from "../support/lab.js";
import { settle } from "../support/settle.js";

let client: Containerd;
let dispose: () => Promise<void>;
before(async () => ({ client, dispose } = await labClient("lease", { image: true })));
after(async () => dispose());

const HOUR = 3600 * 1000;

test("create$'s lease carries containerd.io/gc.expire = now + 24 h: a client that dies mid-create$ leaves a lease that expires", async () => {
  // A client that goes away in the middle of create$ (here: closed while its spec is built, after
  // the lease was created): its clean-up cannot reach the daemon, so the lease stays behind.
  const doomed = new Containerd({ address: labAddress(), namespace: client.namespace });
  const t0 = Date.now();
  const r = await settle(
    lastValueFrom(
      doomed.containers.create$("doomed", {
        image: BUSYBOX,
        args: ["true"],
        spec: [
          (spec) => {
            doomed.close();
            return spec;
          },
        ],
      }),
    ),
  );
  assert.ok(r.error, "create$ failed: its client closed");
  const leases = (await lastValueFrom(client.leases.list$())).filter((l) => l.id.startsWith("rxcontainerd-"));
  assert.equal(leases.length, 1, `create$'s lease was left behind: ${JSON.stringify(leases)}`);
  const lease = leases[0]!;
  try {
    const expires = Date.parse(lease.labels[LEASE_EXPIRE_LABEL] ?? "");
    assert.ok(Number.isFinite(expires), `the lease has ${LEASE_EXPIRE_LABEL}: ${JSON.stringify(lease.labels)}`);
    assert.ok(
      expires >= t0 + 24 * HOUR - 60_000 && expires <= Date.now() + 24 * HOUR + 60_000,
      `it expires 24 h after create$ started: ${lease.labels[LEASE_EXPIRE_LABEL]}`,
    );
  } finally {
    await lastValueFrom(client.leases.delete$(lease.id, { sync: true }));
  }
  assert.equal(
    (await lastValueFrom(client.services.containers.list$({}))).containers.length,
    0,
    "no container record was made",
  );
});

test("an expired lease protects nothing: the next garbage collection removes it and a snapshot only it held; an unexpired one keeps it", async () => {
  const prepareUnder = async (key: string, expireAt: Date) => {
    const lease = await lastValueFrom(
      client.services.leases.create$({ id: `lease-${key}`, labels: { [LEASE_EXPIRE_LABEL]: expireAt.toISOString() } }),
    );
    await lastValueFrom(
      client.services.snapshots.prepare$({ snapshotter: "overlayfs", key, parent: "" }, { lease: lease.lease!.id }),
    );
    return lease.lease!.id;
  };
  const expired = await prepareUnder("left-expired", new Date(Date.now() - 60_000));
  const live = await prepareUnder("left-live", new Date(Date.now() + HOUR));
  // Run the garbage collector now (a synchronous lease delete runs it before answering).
  await lastValueFrom(client.services.leases.create$({ id: "gc-trigger" }));
  await lastValueFrom(client.services.leases.delete$({ id: "gc-trigger", sync: true }));
  const stat = (key: string) =>
    settle(lastValueFrom(client.services.snapshots.stat$({ snapshotter: "overlayfs", key })));
  const gone = await stat("left-expired");
  assert.ok(
    isNotFound(gone.error),
    `the expired lease's snapshot was collected: ${String(gone.error ?? "still there")}`,
  );
  const kept = await stat("left-live");
  assert.equal((kept.error as ContainerdError | undefined)?.message, undefined, "the live lease's snapshot is kept");
  await lastValueFrom(client.services.snapshots.remove$({ snapshotter: "overlayfs", key: "left-live" }));
  await lastValueFrom(client.services.leases.delete$({ id: live, sync: true }));
  const ids = (await lastValueFrom(client.leases.list$())).map((l) => l.id);
  assert.ok(!ids.includes(expired), `the expired lease itself was collected too: ${JSON.stringify(ids)}`);
});
