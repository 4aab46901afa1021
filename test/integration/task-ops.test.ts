import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { lastValueFrom } from "rxjs";
import { isNotFound, isUnknown, isFailedPrecondition, isInvalidArgument, type Containerd } from "../../src/index.js";
import { BUSYBOX, labClient } from "../support/lab.js";
import { settle } from "../support/settle.js";
import { atLeast, daemonVersion } from "../support/daemon-version.js";

let client: Containerd;
let dispose: () => Promise<void>;
before(async () => ({ client, dispose } = await labClient("ops", { image: true })));
after(async () => dispose());

test("pause/resume, pids, metrics (cgroup v1 decoded), update, resize, spec, checkpoint error", async () => {
  const c = await lastValueFrom(
    client.containers.create$("ops", { image: BUSYBOX, args: ["sh", "-c", "while true; do sleep 1; done"] }),
  );
  const task = await lastValueFrom(c.newTask$());
  await lastValueFrom(task.start$());
  await lastValueFrom(task.pause$());
  assert.equal((await lastValueFrom(task.status$())).status, "paused");
  const again = await settle(lastValueFrom(task.pause$()));
  assert.ok(isUnknown(again.error), String(again.error));
  await lastValueFrom(task.resume$());
  assert.equal((await lastValueFrom(task.status$())).status, "running");
  const pids = await lastValueFrom(task.pids$());
  assert.ok(pids.some((p) => p.pid === task.pid));
  const m = await lastValueFrom(task.metrics$());
  assert.ok(m.cgroup === "v1" || m.cgroup === "v2", `cgroup ${m.cgroup}`);
  if (m.cgroup === "v1") {
    assert.ok(m.data.memory && m.data.memory.usage && m.data.memory.usage.usage.toNumber() > 0, "memory usage decoded");
    assert.ok((m.data.pids?.current.toNumber() ?? 0) >= 1, "pids decoded");
  }
  await lastValueFrom(task.update$({ resources: { memory: { limit: 64 * 1024 * 1024 } } }));
  const after = await lastValueFrom(task.metrics$());
  if (after.cgroup === "v1") assert.equal(after.data.memory?.usage?.limit.toNumber(), 64 * 1024 * 1024);
  await lastValueFrom(task.resize$(80, 24));
  const spec = await lastValueFrom(task.spec$());
  assert.deepEqual(spec.process?.args, ["sh", "-c", "while true; do sleep 1; done"]);
  const cp = await settle(lastValueFrom(task.checkpoint$()));
  assert.ok(cp.error, "checkpoint cannot succeed on this kernel");
  assert.match((cp.error as Error).message, /checkpoint|criu/i);
  assert.equal((await lastValueFrom(task.status$())).status, "running", "resumed after the failed checkpoint");
  await lastValueFrom(task.delete$({ kill: true }));
  const gone = await settle(lastValueFrom(task.metrics$()));
  assert.ok(isNotFound(gone.error), String(gone.error));
  await lastValueFrom(c.delete$());
});

test("a missing binary fails at newTask$ with a clear error and leaves no task", async () => {
  const c = await lastValueFrom(client.containers.create$("nobin", { image: BUSYBOX, args: ["/does/not/exist"] }));
  const r = await settle(lastValueFrom(c.newTask$()));
  assert.ok(r.error, "newTask$ must fail");
  assert.match((r.error as Error).message, /no such file|not found|executable/i);
  const t = await settle(lastValueFrom(c.task$()));
  assert.ok(isNotFound(t.error), String(t.error));
  assert.match((t.error as Error).message, /no running task found/);
  await lastValueFrom(c.delete$());
});

test("created task: status created, delete$ refused (pid > 0), delete({kill}) works; task$ loads it", async () => {
  const c = await lastValueFrom(client.containers.create$("created", { image: BUSYBOX, args: ["true"] }));
  const task = await lastValueFrom(c.newTask$());
  const st = await lastValueFrom(task.status$());
  assert.equal(st.status, "created");
  const loaded = await lastValueFrom(c.task$());
  assert.equal(loaded.pid, task.pid);
  const refused = await settle(lastValueFrom(task.delete$()));
  assert.ok(isFailedPrecondition(refused.error), String(refused.error));
  assert.match((refused.error as Error).message, /task must be stopped before deletion: created/);
  await lastValueFrom(loaded.delete$({ kill: true }));
  await lastValueFrom(c.delete$());
});

test("container metadata: info, labels, setLabels, update, extensions, image, spec, load, list", async () => {
  const c = await lastValueFrom(
    client.containers.create$("meta", {
      image: BUSYBOX,
      args: ["true"],
      labels: { a: "1", b: "2" },
      env: { FOO: "bar" },
      hostname: "meta-host",
      user: "1000:1000",
    }),
  );
  const info = await lastValueFrom(c.info$());
  assert.equal(info.image, BUSYBOX);
  assert.equal(info.runtime.name, "io.containerd.runc.v2");
  assert.equal(info.snapshotKey, "meta");
  assert.deepEqual(await lastValueFrom(c.setLabels$({ a: "", c: "3" })), { b: "2", c: "3" });
  const spec = await lastValueFrom(c.spec$());
  assert.equal(spec.hostname, "meta-host");
  assert.deepEqual(
    spec.process?.user,
    { uid: 1000, gid: 1000, additionalGids: [1000, 10] },
    "uid 1000 is app, a member of wheel (10) in the image's /etc/group",
  );
  assert.ok(spec.process?.env?.includes("FOO=bar") && spec.process.env.some((e) => e.startsWith("PATH=")));
  assert.equal(spec.linux?.cgroupsPath, `/${client.namespace}/meta`);
  const img = await lastValueFrom(c.image$());
  assert.equal(img.name, BUSYBOX);
  const updated = await lastValueFrom(c.update$({ labels: { only: "this" } }));
  assert.deepEqual(updated.labels, { only: "this" });
  assert.deepEqual(await lastValueFrom(c.extensions$()), {});
  assert.equal((await lastValueFrom(client.containers.load$("meta"))).id, "meta");
  assert.deepEqual(
    (await lastValueFrom(client.containers.list$("labels.only==this"))).map((x) => x.id),
    ["meta"],
  );
  assert.deepEqual(await lastValueFrom(client.containers.list$("labels.only==that")), []);
  const missing = await settle(lastValueFrom(client.containers.load$("nope")));
  assert.ok(isNotFound(missing.error));
  await lastValueFrom(c.delete$());
  const twice = await settle(lastValueFrom(c.delete$()));
  assert.ok(isNotFound(twice.error), String(twice.error));
});

test("create$ rejects bad input before any RPC and rolls back on failure", async () => {
  for (const id of ["", "bad id", "x".repeat(77)]) {
    const r = await settle(lastValueFrom(client.containers.create$(id, { image: BUSYBOX })));
    assert.ok(isInvalidArgument(r.error), `${JSON.stringify(id)}: ${String(r.error)}`);
  }
  const noImage = await settle(
    lastValueFrom(client.containers.create$("noimg", { image: "docker.io/library/nope:1" })),
  );
  assert.ok(isNotFound(noImage.error), String(noImage.error));
  const named = await lastValueFrom(
    client.containers.create$("named", { image: BUSYBOX, args: ["true"], user: "app:wheel" }),
  );
  const namedSpec = await lastValueFrom(named.spec$());
  assert.equal(
    namedSpec.process?.user.uid,
    1000,
    "user name resolved from the image's /etc/passwd via the content store",
  );
  assert.equal(namedSpec.process?.user.gid, 10, "group name resolved from /etc/group");
  await lastValueFrom(named.delete$());
  const badUser = await settle(
    lastValueFrom(client.containers.create$("baduser", { image: BUSYBOX, user: "nosuchuser" })),
  );
  assert.ok(isInvalidArgument(badUser.error), String(badUser.error));
  await lastValueFrom(client.containers.create$("dup", { image: BUSYBOX, args: ["true"] }));
  const dup = await settle(lastValueFrom(client.containers.create$("dup", { image: BUSYBOX, args: ["true"] })));
  assert.ok(dup.error, "duplicate id fails");
  assert.deepEqual(
    (await lastValueFrom(client.containers.list$())).map((c) => c.id),
    ["dup"],
    "the original survives, nothing else left",
  );
  await lastValueFrom((await lastValueFrom(client.containers.load$("dup"))).delete$());
  const snaps = (await lastValueFrom(client.services.snapshots.list$({ snapshotter: "overlayfs" }))).info.map(
    (s) => s.name,
  );
  assert.ok(!snaps.some((s) => ["noimg", "baduser", "dup"].includes(s)), `leftover snapshots ${JSON.stringify(snaps)}`);
});

test("create$ with a sandbox id: 1.7 and 2.x store it in the record (info$().sandbox); 1.6 ignores it", async () => {
  const v = await daemonVersion(client);
  const c = await lastValueFrom(
    client.containers.create$("in-sandbox", { image: BUSYBOX, args: ["true"], sandbox: "sb-1" }),
  );
  try {
    assert.equal((await lastValueFrom(c.info$())).sandbox, atLeast(v, 1, 7) ? "sb-1" : "", v.version);
    const plain = await lastValueFrom(client.containers.create$("no-sandbox", { image: BUSYBOX, args: ["true"] }));
    assert.equal((await lastValueFrom(plain.info$())).sandbox, "");
    await lastValueFrom(plain.delete$());
  } finally {
    await lastValueFrom(c.delete$());
  }
});
