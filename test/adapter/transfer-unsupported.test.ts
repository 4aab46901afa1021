// client.transfer on a daemon without Streaming/Transfer (1.6), over a real in-process grpc-js
// server that has only Version and Leases: the NotImplementedError says Transfer needs 1.7, names
// the daemon's version and the client-side alternative, from the adapter's structured fields
// (since, daemonVersion) — the daemon's version is asked once per client, never again by transfer.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import type { sendUnaryData, ServerUnaryCall, UntypedServiceImplementation } from "@grpc/grpc-js";
import { lastValueFrom } from "rxjs";
import { VersionService } from "../../generated/github.com/containerd/containerd/api/services/version/v1/version.js";
import {
  LeasesService,
  type CreateRequest,
  type DeleteRequest,
} from "../../generated/github.com/containerd/containerd/api/services/leases/v1/leases.js";
import { Containerd, isNotImplemented, NotImplementedError } from "../../src/index.js";
import { serveOnSocket } from "../support/grpc-server.js";

interface Daemon {
  address: string;
  calls: string[];
  leases: Set<string>;
  close(): Promise<void>;
}

/** A 1.6-like daemon: Version (reporting `version`) and Leases; no Streaming, no Transfer. */
async function daemon(version: string): Promise<Daemon> {
  const calls: string[] = [];
  const leases = new Set<string>();
  const versionImpl: UntypedServiceImplementation = {
    version: (_call: ServerUnaryCall<unknown, unknown>, cb: sendUnaryData<unknown>) => {
      calls.push("Version");
      cb(null, { version, revision: "" });
    },
  };
  const leasesImpl: UntypedServiceImplementation = {
    create: (call: ServerUnaryCall<CreateRequest, unknown>, cb: sendUnaryData<unknown>) => {
      calls.push("Leases.Create");
      leases.add(call.request.id);
      cb(null, { lease: { id: call.request.id, labels: call.request.labels, createdAt: new Date() } });
    },
    delete: (call: ServerUnaryCall<DeleteRequest, unknown>, cb: sendUnaryData<unknown>) => {
      calls.push("Leases.Delete");
      leases.delete(call.request.id);
      cb(null, {});
    },
  };
  const server = await serveOnSocket("xfer16", [
    [VersionService, versionImpl],
    [LeasesService, leasesImpl],
  ]);
  return { address: server.address, calls, leases, close: () => server.close() };
}

async function failure(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error("expected the transfer to fail");
}

let old: Daemon;
before(async () => {
  old = await daemon("1.6.20~ds1");
});
after(async () => old.close());

test("client.transfer on 1.6: Transfer needs >= 1.7, the daemon's version, client.images.*; one Version call per client", async () => {
  const client = new Containerd({ address: old.address, namespace: "default" });
  try {
    const ops = [
      ["images.pull$", client.transfer.pull$("127.0.0.1:1/library/busybox:latest")],
      ["images.push$", client.transfer.push$("127.0.0.1:1/x/busybox:latest", { source: "busybox:latest" })],
      ["images.import$", client.transfer.import$(Buffer.alloc(0))],
      ["images.pull$", client.transfer.pull$("127.0.0.1:1/library/other:latest")],
    ] as const;
    for (const [alternative, op] of ops) {
      const e = await failure(lastValueFrom(op));
      assert.ok(isNotImplemented(e), String(e));
      assert.ok(e instanceof NotImplementedError);
      assert.match(
        e.message,
        /^\[NotImplemented\] Transfer needs containerd >= 1\.7; the connected daemon is containerd 1\.6\.20~ds1\. /,
      );
      assert.ok(e.message.includes(`client.${alternative}`), e.message);
      assert.equal(e.since, "1.7");
      assert.equal(e.daemonVersion, "1.6.20~ds1");
      // The adapter's explanation (with the daemon's own text) is kept as the cause.
      assert.ok(isNotImplemented(e.cause), String(e.cause));
      assert.match(
        String((e.cause as Error).message),
        /Streaming needs containerd >= 1\.7; this daemon is 1\.6\.20~ds1/,
      );
    }
    assert.equal(
      old.calls.filter((c) => c === "Version").length,
      1,
      `the daemon's version is asked once for the client, not by every transfer: ${old.calls.join(", ")}`,
    );
    assert.equal(old.leases.size, 0, "every transfer's lease was deleted");
    assert.equal(client.callStats.active, 0, "no call left open");
  } finally {
    client.close();
  }
});
