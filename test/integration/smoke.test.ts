import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { lastValueFrom } from "rxjs";
import {
  isAlreadyExists,
  isInvalidArgument,
  isNotFound,
  isFailedPrecondition,
  type Containerd,
} from "../../src/index.js";
import { labClient } from "../support/lab.js";
import { settle } from "../support/settle.js";

let client: Containerd;
let dispose: () => Promise<void>;
before(async () => ({ client, dispose } = await labClient("smoke")));
after(async () => dispose());

test("version, server, health and plugins of the lab daemon", async () => {
  const v = await lastValueFrom(client.version$());
  const line = process.env["RXC_CONTAINERD"] ?? "1.6";
  assert.ok(v.version.startsWith(`${line}.`), `lab runs containerd ${line}, got ${v.version}`);
  const s = await lastValueFrom(client.server$());
  assert.match(s.uuid, /^[0-9a-f-]{36}$/);
  assert.equal(await lastValueFrom(client.isServing$()), true);
  const snapshotters = await lastValueFrom(client.plugins$(["type==io.containerd.snapshotter.v1"]));
  const overlay = snapshotters.find((p) => p.id === "overlayfs");
  assert.ok(overlay, "overlayfs snapshotter listed");
  assert.equal(overlay.initError, undefined);
  assert.ok(
    snapshotters.every((p) => p.type === "io.containerd.snapshotter.v1"),
    "filter applied by the daemon",
  );
});

test("namespaces round-trip: create, get, labels, list, delete", async (t) => {
  const name = `${client.namespace}-rt`;
  t.after(() => lastValueFrom(client.namespaces.delete$(name)).catch(() => undefined));
  const created = await lastValueFrom(client.namespaces.create$(name, { labels: { a: "1", b: "2" } }));
  assert.deepEqual(created, { name, labels: { a: "1", b: "2" } });
  const dup = await settle(lastValueFrom(client.namespaces.create$(name)));
  assert.ok(isAlreadyExists(dup.error), String(dup.error));
  const updated = await lastValueFrom(client.namespaces.setLabels$(name, { a: "", c: "3" }));
  assert.deepEqual(updated.labels, { b: "2", c: "3" }, "empty value deletes; others untouched");
  assert.deepEqual((await lastValueFrom(client.namespaces.get$(name))).labels, { b: "2", c: "3" });
  assert.ok((await lastValueFrom(client.namespaces.list$())).some((n) => n.name === name));
  const missing = await settle(lastValueFrom(client.namespaces.setLabels$(`${name}-nope`, { a: "1" })));
  assert.ok(isNotFound(missing.error), String(missing.error));
  assert.ok(
    !(await lastValueFrom(client.namespaces.list$())).some((n) => n.name === `${name}-nope`),
    "no namespace created",
  );
  await lastValueFrom(client.namespaces.delete$(name));
  const gone = await settle(lastValueFrom(client.namespaces.get$(name)));
  assert.ok(isNotFound(gone.error), String(gone.error));
});

test("a bad namespace name is rejected client-side before any RPC", async () => {
  for (const bad of ["", "has space", "a/b", "x".repeat(77), "-lead"]) {
    const r = await settle(lastValueFrom(client.namespaces.create$(bad)));
    assert.ok(isInvalidArgument(r.error), `${JSON.stringify(bad)}: ${String(r.error)}`);
  }
  assert.ok(!(await lastValueFrom(client.namespaces.list$())).some((n) => n.name === "" || n.name.includes(" ")));
});

test("a fresh namespace has no containers; a missing container is NotFound", async () => {
  const list = await lastValueFrom(client.services.containers.list$({}));
  assert.deepEqual(list.containers, []);
  const missing = await settle(lastValueFrom(client.services.containers.get$({ id: "does-not-exist" })));
  assert.ok(isNotFound(missing.error), String(missing.error));
  assert.match(
    (missing.error as Error).message,
    /container "does-not-exist" in namespace "smoke-[0-9a-f]+": not found/,
  );
});

test("a namespaced RPC without a namespace header fails as containerd says", async () => {
  const r = await settle(lastValueFrom(client.services.containers.list$({}, { namespace: "" })));
  assert.ok(isFailedPrecondition(r.error), String(r.error));
  assert.match((r.error as Error).message, /namespace is required/);
});

test("the lab's busybox image is there in the default namespace", async () => {
  const img = await lastValueFrom(
    client.withNamespace("default").services.images.get$({ name: "docker.io/library/busybox:latest" }),
  );
  assert.equal(img.image?.target?.mediaType, "application/vnd.oci.image.manifest.v1+json");
});
