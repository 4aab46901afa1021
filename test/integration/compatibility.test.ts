// What each containerd line serves, detected from the daemon's Version and checked against the
// daemon itself (docs/compatibility.md). Runs on whichever line the lab runs (scripts/lab up --containerd).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { lastValueFrom, NEVER, timeout, type Observable } from "rxjs";
import { isInvalidArgument, isNotImplemented, type Containerd } from "../../src/index.js";
import { atLeast, daemonVersion, type DaemonVersion } from "../support/daemon-version.js";
import { labClient } from "../support/lab.js";
import { settle } from "../support/settle.js";

let client: Containerd;
let dispose: () => Promise<void>;
let v: DaemonVersion;
before(async () => {
  ({ client, dispose } = await labClient("compat"));
  v = await daemonVersion(client);
});
after(async () => dispose());

const call = <T>(o: Observable<T>) =>
  settle(
    lastValueFrom(
      o.pipe(
        timeout({
          first: 10_000,
          with: () => {
            throw new Error("no answer within 10 s");
          },
        }),
      ),
    ),
  );

test("the lab runs the line it was asked for (RXC_CONTAINERD), and says which", () => {
  const line = process.env["RXC_CONTAINERD"] ?? "1.6";
  assert.equal(`${v.major}.${v.minor}`, line, `lab asked for ${line}, daemon reports ${v.version}`);
  // Debian's 2.x build reports an empty revision; 1.6 and 1.7 report the package version.
  if (v.major < 2) assert.notEqual(v.revision, "", "1.x reports a revision");
});

test("Transfer, Streaming and Sandbox (controller and store): served from 1.7, NotImplementedError before", async () => {
  const s = client.services;
  const store = await call(s.sandboxStore.list$({}));
  const transfer = await call(s.transfer.transfer$({}));
  if (atLeast(v, 1, 7)) {
    assert.deepEqual(store.value?.list, [], `sandbox store lists nothing here (${String(store.error)})`);
    // An empty transfer reaches the service, which cannot resolve an empty source type.
    assert.ok(transfer.error && !isNotImplemented(transfer.error), `Transfer is served: ${String(transfer.error)}`);
    assert.match(String(transfer.error), /not found/);
  } else {
    for (const [name, r] of [
      ["sandbox store", store],
      ["transfer", transfer],
    ] as const) {
      assert.ok(isNotImplemented(r.error), `${name} on ${v.version}: ${String(r.error)}`);
      assert.match(String(r.error), /unknown service/);
    }
    // The error says which version has it, and which version the daemon is (asked from the daemon).
    const has = (e: unknown, text: string) => assert.ok(String(e).includes(text), `${String(e)} says ${text}`);
    has(transfer.error, `Transfer needs containerd >= 1.7; this daemon is ${v.version} (unknown service`);
    has(store.error, `Sandbox store needs containerd >= 1.7; this daemon is ${v.version}`);
    const controller = await call(s.sandboxController.status$({ sandboxId: "none" }));
    assert.ok(isNotImplemented(controller.error), String(controller.error));
    assert.match(String(controller.error), /Sandbox controller needs containerd >= 1\.7/);
    // A bidirectional stream too: an error, not a silent completion.
    const streaming = await call(s.streaming.stream$(NEVER));
    assert.ok(isNotImplemented(streaming.error), `streaming on ${v.version}: ${String(streaming.error)}`);
    assert.match(String(streaming.error), /Streaming needs containerd >= 1\.7; this daemon is /);
  }
});

test("Introspection.PluginInfo: served from 2.0, NotImplementedError before", async () => {
  const r = await call(
    client.services.introspection.pluginInfo$({ type: "io.containerd.snapshotter.v1", id: "overlayfs" }),
  );
  if (atLeast(v, 2, 0)) {
    assert.equal(r.value?.plugin?.id, "overlayfs", String(r.error));
  } else {
    assert.ok(isNotImplemented(r.error), String(r.error));
    assert.match(String(r.error), /unknown method PluginInfo/);
    assert.ok(
      String(r.error).includes(`Introspection.PluginInfo needs containerd >= 2.0; this daemon is ${v.version} (`),
      String(r.error),
    );
  }
});

test("Introspection.Server reports the daemon's pid from 1.7 (0 on 1.6)", async () => {
  const s = await lastValueFrom(client.services.introspection.server$());
  assert.match(s.uuid, /^[0-9a-f-]{36}$/);
  if (atLeast(v, 1, 7)) assert.ok(s.pid.toNumber() > 0, `pid ${s.pid.toString()}`);
  else assert.equal(s.pid.toNumber(), 0);
});

test("Sandbox controller without a sandboxer: InvalidArgument on 2.x; 1.7 answers an empty status", async (t) => {
  if (!atLeast(v, 1, 7)) return t.skip(`no sandbox controller on ${v.version}`);
  const r = await call(client.services.sandboxController.status$({ sandboxId: "none" }));
  if (atLeast(v, 2, 0)) assert.ok(isInvalidArgument(r.error), String(r.error));
  else assert.equal(r.value?.sandboxId, "none", String(r.error));
});

test("gRPC Health.List: served by 2.x, NotImplementedError before; Check served by all", async () => {
  const check = await lastValueFrom(client.services.health.check$({}));
  assert.equal(check.status, 1, "SERVING");
  const list = await call(client.services.health.list$({}));
  if (atLeast(v, 2, 0)) assert.ok(list.value && Object.keys(list.value.statuses).length > 0, String(list.error));
  else {
    assert.ok(isNotImplemented(list.error), String(list.error));
    assert.ok(String(list.error).includes(`; this daemon is ${v.version} (`), String(list.error));
  }
});
