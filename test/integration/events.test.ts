import { after, before, test } from "node:test";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import assert from "node:assert/strict";
import { filter, firstValueFrom, lastValueFrom, takeWhile, throwError, timeout, toArray, type Observable } from "rxjs";
import { filterOf, isEvent, isInvalidArgument, type Containerd, type Envelope } from "../../src/index.js";
import { BUSYBOX, labClient } from "../support/lab.js";
import { liveEvents, PROBE_FILTER, withOptionalTaskDelete } from "../support/events.js";
import { waitFor } from "../support/wait-for.js";

let client: Containerd;
let dispose: () => Promise<void>;
before(async () => ({ client, dispose } = await labClient("events", { image: true })));
after(async () => dispose());

test("events$: a run's events arrive typed and in order, filtered by the daemon", async () => {
  const filterStr = filterOf({ "event.container_id": "ev1" });
  const live = await liveEvents(client, client.events$([filterStr, 'event.id=="ev1"', PROBE_FILTER]));
  // Up to /containers/delete, which Containers.Delete publishes after the task is gone.
  const got = lastValueFrom(
    live.events$.pipe(
      filter((e) => e.namespace === client.namespace),
      takeWhile((e) => e.topic !== "/containers/delete", true),
      toArray(),
      timeout({ first: 30_000, with: () => throwError(() => new Error("the run's events up to /containers/delete")) }),
    ),
  );
  await lastValueFrom(
    client
      .run$("ev1", { image: BUSYBOX, args: ["sh", "-c", "exit 4"] })
      .pipe(timeout({ first: 30_000, with: () => throwError(() => new Error("run$ did not finish within 30 s")) })),
  );
  const events: Envelope[] = await got;
  live.close();
  const topics = events.map((e) => e.topic);
  const version = (await lastValueFrom(client.version$())).version;
  assert.deepEqual(
    topics,
    withOptionalTaskDelete(
      ["/containers/create", "/tasks/create", "/tasks/start", "/tasks/exit", "/tasks/delete", "/containers/delete"],
      topics,
      version,
    ),
  );
  const exit = events.find((e) => isEvent(e, "containerd.events.TaskExit"));
  assert.ok(
    exit &&
      isEvent(exit, "containerd.events.TaskExit") &&
      exit.event.exitStatus === 4 &&
      exit.event.containerId === "ev1",
  );
  const create = events[0];
  assert.ok(create && isEvent(create, "containerd.events.ContainerCreate") && create.event.image === BUSYBOX);
  assert.ok(events.every((e) => e.timestamp instanceof Date && e.timestamp.getTime() > 0));
});

test("namespaceEvents$ only sees this namespace; events$ sees others", async () => {
  const other = client.withNamespace(`${client.namespace}-other`);
  await lastValueFrom(client.namespaces.create$(other.namespace));
  const liveMine = await liveEvents(client, client.namespaceEvents$(['topic=="/namespaces/update"', PROBE_FILTER]));
  const liveAll = await liveEvents(
    client,
    client.events$(['topic=="/namespaces/update"', filterOf({ "event.name": other.namespace }), PROBE_FILTER]),
  );
  const within = (what: string) =>
    timeout<Envelope, Observable<never>>({
      first: 15_000,
      with: () => throwError(() => new Error(`no ${what} within 15 s`)),
    });
  const mine = firstValueFrom(liveMine.events$.pipe(within("/namespaces/update of this namespace")));
  const all = firstValueFrom(liveAll.events$.pipe(within("/namespaces/update of the other namespace")));
  await lastValueFrom(other.namespaces.setLabels$(other.namespace, { x: "1" })); // published in the caller's namespace
  const seen = await all;
  assert.equal(seen.namespace, other.namespace);
  await lastValueFrom(client.namespaces.setLabels$(client.namespace, { y: "1" }));
  const own = await mine;
  assert.equal(own.namespace, client.namespace, "the other namespace's update was filtered out by the daemon");
  liveMine.close();
  liveAll.close();
  await lastValueFrom(client.namespaces.delete$(other.namespace));
});

test("a malformed filter is an InvalidArgumentError before any RPC", async () => {
  const before = client.callStats.started;
  const r = await lastValueFrom(client.events$("topic==")).then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(isInvalidArgument(r), String(r));
  assert.equal(client.callStats.started, before);
});

test("10,000 subscribe/unsubscribe cycles of events$, wait$ and unary calls leak no call and no handle", async (t) => {
  const c = await lastValueFrom(client.containers.create$("leak", { image: BUSYBOX, args: ["sleep", "600"] }));
  const task = await lastValueFrom(c.newTask$());
  await lastValueFrom(task.start$());
  const resources = () => process.getActiveResourcesInfo().length;
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as () => void;
  gc();
  const [activeBefore, resBefore, heapBefore] = [client.callStats.active, resources(), process.memoryUsage().heapUsed];
  const N = 10_000;
  for (let i = 0; i < N; i++) {
    const subs = [client.events$().subscribe(), task.wait$().subscribe(), client.version$().subscribe()];
    if (i % 100 === 99) await new Promise((r) => setImmediate(r));
    subs.forEach((s) => s.unsubscribe());
  }
  // Every call ends: the cancelled ones at once, the event hub's Subscribe 2 s after its last listener.
  await waitFor(() => client.callStats.active === 0, {
    message: "every call finished or was cancelled",
    timeoutMs: 15_000,
  });
  gc();
  const heapAfter = process.memoryUsage().heapUsed;
  t.diagnostic(
    `leak: ${N} cycles x 3; active calls ${activeBefore} -> ${client.callStats.active}; calls started ${client.callStats.started}; ` +
      `active resources ${resBefore} -> ${resources()}; heap ${(heapBefore / 2 ** 20).toFixed(1)} -> ${(heapAfter / 2 ** 20).toFixed(1)} MiB`,
  );
  assert.equal(client.callStats.active, 0, "every call finished or was cancelled");
  // The title's "no handle": 30,000 leaked sockets, timers or streams would show here; allow a few
  // for the runtime's own.
  assert.ok(resources() <= resBefore + 8, `active resources ${resBefore} -> ${resources()}`);
  // A leak of a cancelled stream costs ~8 KiB (grpc-js, cancelled in the tick it started): 30,000
  // cycles would add > 200 MiB. Measured growth without a leak: about 1 MiB.
  assert.ok(heapAfter - heapBefore < 32 * 2 ** 20, "heap does not grow with the cycles");
  await lastValueFrom(task.delete$({ kill: true }));
  await lastValueFrom(c.delete$());
});
