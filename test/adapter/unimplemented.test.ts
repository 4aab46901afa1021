// UNIMPLEMENTED from a daemon that lacks a service says which containerd has it, from the
// daemon's own Version (asked once per client), over a real in-process grpc-js server.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import type { sendUnaryData, ServerUnaryCall, UntypedServiceImplementation } from "@grpc/grpc-js";
import { lastValueFrom, NEVER } from "rxjs";
import { VersionService } from "../../generated/github.com/containerd/containerd/api/services/version/v1/version.js";
import { Containerd, isNotImplemented, NotImplementedError, type ContainerdError } from "../../src/index.js";
import { serveOnSocket } from "../support/grpc-server.js";

interface Daemon {
  address: string;
  versionCalls: number;
  close(): Promise<void>;
}

/** A daemon with only the Version service, reporting `version`. */
async function daemon(version: string): Promise<Daemon> {
  let versionCalls = 0;
  const impl: UntypedServiceImplementation = {
    version: (_call: ServerUnaryCall<unknown, unknown>, cb: sendUnaryData<unknown>) => {
      versionCalls++;
      cb(null, { version, revision: "" });
    },
  };
  const server = await serveOnSocket("unimpl", [[VersionService, impl]]);
  return {
    address: server.address,
    get versionCalls() {
      return versionCalls;
    },
    close: () => server.close(),
  };
}

async function failure(p: Promise<unknown>): Promise<ContainerdError> {
  try {
    await p;
  } catch (e) {
    return e as ContainerdError;
  }
  throw new Error("expected the call to fail");
}

let old: Daemon;
let recent: Daemon;
before(async () => {
  old = await daemon("1.6.20");
  recent = await daemon("2.1.9+unknown");
});
after(async () => {
  await old.close();
  await recent.close();
});

test("Transfer on a 1.6 daemon: NotImplementedError naming the version that has it and the daemon's; Version asked once per client", async () => {
  const client = new Containerd({ address: old.address, namespace: "default" });
  try {
    const e = await failure(lastValueFrom(client.services.transfer.transfer$({})));
    assert.ok(isNotImplemented(e));
    assert.match(e.message, /^\[NotImplemented\] Transfer needs containerd >= 1\.7; this daemon is 1\.6\.20 \(/);
    assert.equal(e.method, "/containerd.services.transfer.v1.Transfer/Transfer");
    assert.ok(e instanceof NotImplementedError);
    assert.equal(e.since, "1.7", "the first version that has it, as a field");
    assert.equal(e.daemonVersion, "1.6.20", "the daemon's version, as a field");
    const e2 = await failure(lastValueFrom(client.services.introspection.pluginInfo$({})));
    assert.match(e2.message, /Introspection\.PluginInfo needs containerd >= 2\.0; this daemon is 1\.6\.20/);
    assert.deepEqual([(e2 as NotImplementedError).since, (e2 as NotImplementedError).daemonVersion], ["2.0", "1.6.20"]);
    const e3 = await failure(lastValueFrom(client.services.sandboxStore.list$({})));
    assert.match(e3.message, /Sandbox store needs containerd >= 1\.7; this daemon is 1\.6\.20/);
    assert.equal(old.versionCalls, 1, "the daemon's version is asked once and cached");
  } finally {
    client.close();
  }
});

test("a daemon recent enough that still answers UNIMPLEMENTED: the service is said to be disabled, not missing", async () => {
  const client = new Containerd({ address: recent.address, namespace: "default" });
  try {
    const e = await failure(lastValueFrom(client.services.streaming.stream$(NEVER)));
    assert.ok(isNotImplemented(e));
    assert.match(e.message, /Streaming is served by containerd >= 1\.7 and this daemon is 2\.1\.9\+unknown.*disabled/);
    assert.deepEqual(
      [(e as NotImplementedError).since, (e as NotImplementedError).daemonVersion],
      ["1.7", "2.1.9+unknown"],
    );
  } finally {
    client.close();
  }
});

test("Health.List: the requirement is the daemon's gRPC library, said as such", async () => {
  const client = new Containerd({ address: old.address, namespace: "default" });
  try {
    const e = await failure(lastValueFrom(client.services.health.list$({})));
    assert.match(e.message, /Health\.List needs a daemon built with a gRPC library .*; this daemon is 1\.6\.20/);
  } finally {
    client.close();
  }
});

test("UNIMPLEMENTED for a method not in the table is left as the daemon said it, without asking the version", async () => {
  const before = old.versionCalls;
  const client = new Containerd({ address: old.address, namespace: "default" });
  try {
    const e = await failure(lastValueFrom(client.services.tasks.list$({})));
    assert.ok(isNotImplemented(e));
    assert.doesNotMatch(e.message, /needs containerd/);
    assert.equal((e as NotImplementedError).since, undefined);
    assert.equal((e as NotImplementedError).daemonVersion, undefined);
    assert.equal(old.versionCalls, before);
  } finally {
    client.close();
  }
});
