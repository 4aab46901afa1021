import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { lastValueFrom, toArray, type Observable } from "rxjs";
import { isInvalidArgument, MAX_LABEL_SIZE, type Containerd } from "../../src/index.js";
import { atLeast, daemonVersion } from "../support/daemon-version.js";
import { BUSYBOX, labClient, uniqueNamespace } from "../support/lab.js";

let client: Containerd;
let dispose: () => Promise<void>;
before(async () => ({ client, dispose } = await labClient("labels", { image: true })));
after(async () => dispose());

const outcome = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: unknown) => e,
  );

test("the daemon's own limit is the one checked client-side: 4096 bytes pass, 4097 are InvalidArgument", async () => {
  const ns = client.services.namespaces;
  const fits = uniqueNamespace("lbl");
  await lastValueFrom(ns.create$({ namespace: { name: fits, labels: { k: "v".repeat(MAX_LABEL_SIZE - 1) } } }));
  await lastValueFrom(ns.delete$({ name: fits }));
  const over = uniqueNamespace("lbl");
  const r = await outcome(
    lastValueFrom(ns.create$({ namespace: { name: over, labels: { k: "v".repeat(MAX_LABEL_SIZE) } } })),
  );
  assert.ok(isInvalidArgument(r), `the raw RPC, unchecked: ${String(r)}`);
  // 1.7 and 2.x say the length (the client-side check follows them); 1.6 does not.
  const v = await daemonVersion(client);
  assert.match(
    String(r),
    atLeast(v, 1, 7)
      ? /label key and value length \(4097 bytes\) greater than maximum size \(4096 bytes\), key: k/
      : /label key and value greater than maximum size \(4096 bytes\), key: k/,
  );
});

test("an oversized label: containers.create$ fails with InvalidArgumentError before any RPC and leaves nothing behind", async () => {
  const started = client.callStats.started;
  const r = await outcome(
    lastValueFrom(
      client.containers.create$("too-big", {
        image: BUSYBOX,
        args: ["true"],
        labels: { app: "web", note: "x".repeat(MAX_LABEL_SIZE) },
      }),
    ),
  );
  assert.ok(isInvalidArgument(r), String(r));
  assert.match(
    String(r),
    /container labels: label key and value length \(\d+ bytes\) greater than maximum size \(4096 bytes\), key: note/,
  );
  assert.equal(client.callStats.started, started, "no RPC");
  const s = client.services;
  assert.deepEqual(
    (await lastValueFrom(s.containers.list$({}))).containers.map((c) => c.id),
    [],
    "no container",
  );
  assert.deepEqual(
    (await lastValueFrom(s.leases.list$({}))).leases.map((l) => l.id),
    [],
    "no lease",
  );
  const snapshots = (await lastValueFrom(s.snapshots.list$({ snapshotter: "overlayfs" }).pipe(toArray()))).flatMap(
    (r) => r.info.map((i) => i.name),
  );
  assert.ok(!snapshots.includes("too-big"), "no snapshot");
});

test("an oversized label: namespaces.create$ and setLabels$ fail before any RPC; the namespace is unchanged", async () => {
  const started = client.callStats.started;
  const name = uniqueNamespace("lbl");
  const big = { ["k".repeat(100)]: "v".repeat(MAX_LABEL_SIZE - 99) };
  assert.ok(isInvalidArgument(await outcome(lastValueFrom(client.namespaces.create$(name, { labels: big })))));
  assert.ok(isInvalidArgument(await outcome(lastValueFrom(client.namespaces.setLabels$(client.namespace, big)))));
  assert.equal(client.callStats.started, started, "no RPC");
  const all = await lastValueFrom(client.namespaces.list$());
  assert.ok(!all.some((n) => n.name === name), "not created");
  assert.deepEqual(
    all.find((n) => n.name === client.namespace)?.labels,
    { "rxcontainerd.test": "1" },
    "labels unchanged",
  );
});

test("an oversized label: a container's setLabels$ and update$ fail before any RPC; its labels are unchanged", async () => {
  const container = await lastValueFrom(
    client.containers.create$("labelled", { image: BUSYBOX, args: ["true"], labels: { app: "web" } }),
  );
  try {
    const started = client.callStats.started;
    const big = { note: "x".repeat(MAX_LABEL_SIZE) };
    assert.ok(isInvalidArgument(await outcome(lastValueFrom(container.setLabels$(big)))));
    assert.ok(isInvalidArgument(await outcome(lastValueFrom(container.update$({ labels: big })))));
    assert.equal(client.callStats.started, started, "no RPC");
    assert.deepEqual(await lastValueFrom(container.labels$()), { app: "web" });
  } finally {
    await lastValueFrom(container.delete$());
  }
});

test("an oversized label on leases, images and content is an InvalidArgumentError before any RPC", async () => {
  const started = client.callStats.started;
  const big = { note: "x".repeat(MAX_LABEL_SIZE) };
  const digest = `sha256:${"a".repeat(64)}`;
  const target = { mediaType: "application/vnd.oci.image.manifest.v1+json", digest, size: 1 };
  for (const op of [
    client.leases.create$({ labels: big }) as Observable<unknown>,
    client.images.create$("example.com/big:1", target, { labels: big }),
    client.images.update$("example.com/big:1", { labels: big }),
    client.content.update$(digest, big),
  ]) {
    const r = await outcome(lastValueFrom(op));
    assert.ok(isInvalidArgument(r), String(r));
    assert.match(String(r), /greater than maximum size \(4096 bytes\)/);
  }
  assert.equal(client.callStats.started, started, "no RPC");
});
