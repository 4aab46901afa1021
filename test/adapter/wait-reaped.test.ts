// wait$ after a daemon "restart" (the events stream fails with UNAVAILABLE and reconnects) on a
// daemon that reaped the tasks: every wait$ is a TaskGoneError naming the daemon's version, read
// from the client's one cached Version answer — one Version call per client, not one per wait.
// A real in-process grpc-js server: Events (Subscribe, Publish echo), Tasks.Get from a table,
// Tasks.Wait that never answers, Version counting its calls.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { lastValueFrom, timeout } from "rxjs";
import { status, type ServerUnaryCall, type sendUnaryData, type UntypedServiceImplementation } from "@grpc/grpc-js";
import {
  GetRequest,
  GetResponse,
  TasksService,
} from "../../generated/github.com/containerd/containerd/api/services/tasks/v1/tasks.js";
import { VersionService } from "../../generated/github.com/containerd/containerd/api/services/version/v1/version.js";
import { Containerd, TaskGoneError } from "../../src/index.js";
import { ProcessImpl } from "../../src/observables/tasks/process.js";
import type { EventHub } from "../../src/observables/tasks/wait/exit-hub.js";
import { Inflight } from "../../src/observables/client/inflight.js";
import { fakeExchange, serveOnSocket } from "../support/grpc-server.js";

const VERSION = "2.1.9+unknown";

interface FakeDaemon {
  address: string;
  calls: string[];
  /** Running tasks by container id; a task not here is NotFound. */
  running: Set<string>;
  /** Ends every events stream with UNAVAILABLE and forgets every task (a restart that reaped them). */
  restart(): void;
  close(): Promise<void>;
}

async function startDaemon(): Promise<FakeDaemon> {
  const calls: string[] = [];
  const running = new Set<string>();
  const exchange = fakeExchange({
    onCall: (m) => calls.push(m === "subscribe" ? "Events.Subscribe" : "Events.Publish"),
  });
  const tasks: UntypedServiceImplementation = {
    get: (call: ServerUnaryCall<GetRequest, GetResponse>, cb: sendUnaryData<GetResponse>) => {
      calls.push("Tasks.Get");
      const id = call.request.containerId;
      if (!running.has(id)) return cb({ code: status.NOT_FOUND, details: `task ${id}: not found` });
      cb(null, GetResponse.fromPartial({ process: { containerId: id, id, pid: 7, status: 2 } }));
    },
    wait: () => {
      calls.push("Tasks.Wait");
    },
  };
  const version: UntypedServiceImplementation = {
    version: (_call: ServerUnaryCall<unknown, unknown>, cb: sendUnaryData<unknown>) => {
      calls.push("Version");
      cb(null, { version: VERSION, revision: "r" });
    },
  };
  const server = await serveOnSocket("reaped", [exchange.service, [TasksService, tasks], [VersionService, version]]);
  return {
    address: server.address,
    calls,
    running,
    restart() {
      running.clear();
      exchange.fail(status.UNAVAILABLE, "daemon restarting");
    },
    close: () => server.close(),
  };
}

let daemon: FakeDaemon;
before(async () => {
  daemon = await startDaemon();
});
after(async () => daemon.close());

const count = (m: string) => daemon.calls.filter((c) => c === m).length;
/** Polls `cond` every 5 ms; fails with `what` after 5 s. */
const until = async (cond: () => boolean, what: string) => {
  const end = Date.now() + 5000;
  while (!cond()) {
    if (Date.now() > end) assert.fail(`timed out after 5 s waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
};

test("tasks reaped across a restart: each wait$ is a TaskGoneError naming the daemon's version; one Version call per client", async () => {
  const client = new Containerd({ address: daemon.address, namespace: "ns1" });
  try {
    const hub = (client as unknown as { hub: EventHub }).hub;
    const ctx = { services: client.services, hub, namespace: "ns1", inflight: new Inflight() };
    const ids = ["r-0", "r-1", "r-2", "r-3"];
    for (const id of ids) daemon.running.add(id);
    const waits = ids.map((id) =>
      lastValueFrom(
        new ProcessImpl(ctx, id, "", 7, undefined).wait$().pipe(
          timeout({
            first: 10_000,
            with: () => {
              throw new Error(`no answer for ${id} within 10 s`);
            },
          }),
        ),
      ).then(
        (v) => ({ value: v, error: undefined as unknown }),
        (e: unknown) => ({ value: undefined, error: e }),
      ),
    );
    await until(() => count("Tasks.Get") >= ids.length, "the first status checks (the tasks run)");
    assert.equal(count("Version"), 0, "no Version call while nothing needs explaining");
    daemon.restart();
    const results = await Promise.all(waits);
    for (const r of results) {
      assert.ok(r.error instanceof TaskGoneError, String(r.error ?? JSON.stringify(r.value)));
      assert.equal(r.error.reason, "reaped-after-restart", r.error.message);
      assert.equal(r.error.daemonVersion, VERSION);
      assert.match(r.error.message, /containerd >= 1\.7 reaps, .*this daemon is 2\.1\.9\+unknown/);
    }
    // A raw version$ is the caller's own call; the cached one answers without a call.
    assert.equal(await lastValueFrom(client.services.version.daemonVersion$()), VERSION);
    assert.equal(
      count("Version"),
      1,
      `${ids.length} reaped waits, one Version call for the client: ${count("Version")}`,
    );
  } finally {
    client.close();
  }
});
