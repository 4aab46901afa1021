// wait$ over the wire: an in-process grpc-js server with a tiny containerd exchange (Subscribe
// registers the subscriber a little later, as containerd does; Publish delivers in order to
// registered subscribers), Tasks.Get answering from a table, and Tasks.Wait that never answers.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { lastValueFrom, timeout } from "rxjs";
import { status, type ServerUnaryCall, type sendUnaryData, type UntypedServiceImplementation } from "@grpc/grpc-js";
import {
  GetRequest,
  GetResponse,
  TasksService,
  WaitRequest,
  WaitResponse,
} from "../../generated/github.com/containerd/containerd/api/services/tasks/v1/tasks.js";
import { Envelope } from "../../generated/github.com/containerd/containerd/api/types/event.js";
import { TaskExit } from "../../generated/github.com/containerd/containerd/api/events/task.js";
import { Containerd, type ExitStatus } from "../../src/index.js";
import { ProcessImpl } from "../../src/observables/tasks/process.js";
import { EventHub } from "../../src/observables/tasks/wait/exit-hub.js";
import { Inflight } from "../../src/observables/client/inflight.js";
import { fakeExchange, serveOnSocket } from "../support/grpc-server.js";

interface FakeExchange {
  address: string;
  calls: string[];
  /** Process status by container id (2 running, 3 stopped). */
  status: Map<string, { status: number; exitStatus?: number; pid?: number }>;
  /** When set, Publish fails with this status code. */
  refusePublish?: number;
  exit(containerId: string, pid: number, code: number): void;
  close(): Promise<void>;
}

async function startExchange(): Promise<FakeExchange> {
  const exchange = fakeExchange({
    onCall: (m) => fake.calls.push(m),
    registrationDelayMs: 30, // the registration race
    refusePublish: () => fake.refusePublish,
  });
  const tasks: UntypedServiceImplementation = {
    get: (call: ServerUnaryCall<GetRequest, GetResponse>, cb: sendUnaryData<GetResponse>) => {
      fake.calls.push("get");
      const s = fake.status.get(call.request.containerId);
      if (!s) return cb({ code: status.NOT_FOUND, details: `task ${call.request.containerId} not found` });
      cb(
        null,
        GetResponse.fromPartial({
          process: {
            containerId: call.request.containerId,
            pid: s.pid ?? 7,
            status: s.status,
            exitStatus: s.exitStatus ?? 0,
          },
        }),
      );
    },
    wait: (_call: ServerUnaryCall<WaitRequest, WaitResponse>) => {
      fake.calls.push("wait");
    },
  };
  const server = await serveOnSocket("wait", [exchange.service, [TasksService, tasks]]);
  const fake: FakeExchange = {
    address: server.address,
    calls: [],
    status: new Map(),
    exit(containerId, pid, code) {
      exchange.write(
        Envelope.fromPartial({
          namespace: "ns1",
          topic: "/tasks/exit",
          timestamp: new Date(),
          event: {
            typeUrl: "containerd.events.TaskExit",
            value: Buffer.from(
              TaskExit.encode(
                TaskExit.fromPartial({ containerId, id: containerId, pid, exitStatus: code, exitedAt: new Date(5000) }),
              ).finish(),
            ),
          },
        }),
      );
    },
    close: () => server.close(),
  };
  return fake;
}

let fake: FakeExchange;
before(async () => {
  fake = await startExchange();
});
after(async () => fake.close());

const count = (m: string) => fake.calls.filter((c) => c === m).length;
/** Polls `cond` every 5 ms; fails with `what` after 5 s. */
const until = async (cond: () => boolean, what: string) => {
  const end = Date.now() + 5000;
  while (!cond()) {
    if (Date.now() > end) assert.fail(`timed out after 5 s waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
};
const bounded = (exit$: import("rxjs").Observable<ExitStatus>, what: string) =>
  lastValueFrom(
    exit$.pipe(
      timeout({
        first: 5000,
        with: () => {
          throw new Error(`no exit within 5 s: ${what}`);
        },
      }),
    ),
  );

test("wait$() is one shared watch per process: 5 calls, 1 stream, 1 status check, no Wait RPC; 1 open call while pending", async () => {
  fake.calls.length = 0;
  const client = new Containerd({ address: fake.address, namespace: "ns1" });
  const ctx = {
    services: client.services,
    hub: new EventHub(client.services.events, { namespace: "ns1" }),
    namespace: "ns1",
    inflight: new Inflight(),
  };
  fake.status.set("running", { status: 2, pid: 7 });
  const proc = new ProcessImpl(ctx, "running", "", 7, undefined);
  const views = Array.from({ length: 5 }, () => proc.wait$());
  assert.ok(
    views.every((v) => v === views[0]),
    "the same Observable every time",
  );
  await until(() => count("get") === 1, "the status check after the probe came back");
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(count("subscribe"), 1);
  assert.equal(count("get"), 1);
  assert.equal(count("wait"), 0, "no Tasks.Wait in events mode");
  assert.ok(count("publish") >= 1);
  assert.equal(ctx.hub.mode, "events");
  assert.equal(client.callStats.active, 1, "one open call (the stream) while the wait is pending");
  const results = views.map((v) => bounded(v, "running exits"));
  fake.exit("running", 7, 3);
  assert.deepEqual(
    (await Promise.all(results)).map((r) => r.code),
    [3, 3, 3, 3, 3],
  );
  ctx.hub.close();
  await until(() => client.callStats.active === 0, "the stream closed");
  client.close();
});

test("issuing wait$() calls makes no call in the caller's run: the first one's stream and probe follow in a microtask", async () => {
  fake.calls.length = 0;
  const client = new Containerd({ address: fake.address, namespace: "ns1" });
  try {
    const hub = (client as unknown as { hub: EventHub }).hub;
    for (let i = 0; i < 3; i++) fake.status.set(`sync${i}`, { status: 2, pid: 30 + i });
    const started = client.callStats.started;
    const exits = [0, 1, 2].map((i) => processOn(client, `sync${i}`, 30 + i, hub).task.wait$());
    assert.equal(client.callStats.started, started, "no call started while the waits were issued");
    assert.equal(client.eventStreamsOpened, 0);
    await Promise.resolve();
    assert.equal(client.eventStreamsOpened, 1, "the stream opened in a microtask, once for the three waits");
    await until(() => count("get") === 3, "the three status checks once the probe came back");
    const results = exits.map((e, i) => bounded(e, `sync${i} exits`));
    for (let i = 0; i < 3; i++) fake.exit(`sync${i}`, 30 + i, i);
    assert.deepEqual(
      (await Promise.all(results)).map((r) => r.code),
      [0, 1, 2],
    );
  } finally {
    client.close();
  }
});

test("the exit comes from the hub's stream: a late exit of an earlier task with the same id (another pid) does not match", async () => {
  const client = new Containerd({ address: fake.address, namespace: "ns1" });
  fake.status.set("again", { status: 2, pid: 20 });
  const { task, hub } = processOn(client, "again", 20);
  const exit = bounded(task.wait$(), "pid 20 exits");
  await until(() => hub.mode === "events", "the stream is live");
  fake.exit("again", 19, 1);
  fake.exit("again", 20, 2);
  assert.equal((await exit).code, 2);
  hub.close();
  client.close();
});

test("a process already stopped is answered by the status check; a deleted one is an explained NotFoundError", async () => {
  const client = new Containerd({ address: fake.address, namespace: "ns1" });
  fake.status.set("done", { status: 3, exitStatus: 9 });
  const { task, hub } = processOn(client, "done", 5);
  assert.equal((await bounded(task.wait$(), "stopped")).code, 9);
  const gone = processOn(client, "gone", 5, hub).task;
  await assert.rejects(
    bounded(gone.wait$(), "gone"),
    /TaskGoneError: \[NotFound\] task "gone" not found in namespace "ns1": it was deleted, or containerd removed it/,
  );
  hub.close();
  client.close();
});

test("a daemon that refuses Publish: rpc mode, reported by client.waitMode, with a Tasks.Wait per pending wait", async () => {
  fake.calls.length = 0;
  fake.refusePublish = status.PERMISSION_DENIED;
  try {
    const client = new Containerd({ address: fake.address, namespace: "ns1" });
    fake.status.set("rpc", { status: 2, pid: 8 });
    const hub = (client as unknown as { hub: EventHub }).hub; // the client's own hub, so client.waitMode reports it
    const { task: proc } = processOn(client, "rpc", 8, hub);
    const exit = bounded(proc.wait$(), "rpc mode exit");
    await until(() => count("wait") === 1, "Tasks.Wait in rpc mode");
    assert.equal(client.waitMode, "rpc");
    fake.exit("rpc", 8, 4); // the stream still delivers exits
    assert.equal((await exit).code, 4);
    client.close();
  } finally {
    delete fake.refusePublish;
  }
});

function processOn(
  client: Containerd,
  id: string,
  pid: number,
  hub = new EventHub(client.services.events, { namespace: "ns1" }),
) {
  const ctx = { services: client.services, hub, namespace: "ns1", inflight: new Inflight() };
  return { task: new ProcessImpl(ctx, id, "", pid, undefined), hub };
}
