import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { filter, firstValueFrom, lastValueFrom, Subject, throwError, timeout } from "rxjs";
import {
  isEvent,
  isNotFound,
  isUnavailable,
  retryWithBackoff,
  Stdio,
  TaskGoneError,
  type ConnectivityState,
  type Containerd,
  type Container,
  type Envelope,
  type Task,
} from "../../src/index.js";
import { BUSYBOX, labClient } from "../support/lab.js";
import { atLeast, daemonVersion } from "../support/daemon-version.js";
import { killDaemon, shimPids, startDaemon } from "../support/lab-control.js";
import { settle } from "../support/settle.js";

let client: Containerd;
let dispose: () => Promise<void>;
before(async () => ({ client, dispose } = await labClient("restart", { image: true })));
after(async () => dispose());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
test("kill -9 containerd while 20 tasks are waited; restart: every wait$ emits its real exit code (1.7/2.x: or NotFound if it exited during the outage)", async (t) => {
  const specs = Array.from({ length: 20 }, (_, i) => ({ id: `w-${i}`, code: i + 1, sleep: i < 10 ? 1 : 7 }));
  const containers: Container[] = [];
  const tasks: Task[] = [];
  for (const s of specs) {
    const c = await lastValueFrom(
      client.containers.create$(s.id, { image: BUSYBOX, args: ["sh", "-c", `sleep ${s.sleep}; exit ${s.code}`] }),
    );
    containers.push(c);
    tasks.push(await lastValueFrom(c.newTask$()));
  }
  const exits = tasks.map((task) =>
    settle(
      lastValueFrom(
        task
          .wait$()
          .pipe(
            timeout({ first: 60_000, with: () => throwError(() => new Error(`no exit for ${task.id} within 60 s`)) }),
          ),
      ),
    ),
  );
  for (const task of tasks) await lastValueFrom(task.start$());
  await lastValueFrom(tasks[0]!.status$()); // a round trip after the waits' status checks were issued
  const open = client.callStats.active;
  t.diagnostic(`20 pending waits hold ${open} open call(s), wait mode ${String(client.waitMode)}`);
  assert.equal(open, 1, "1 stream and 0 other calls while the waits are pending");
  killDaemon();
  const startedBefore = client.callStats.started;
  await sleep(4000); // the first ten exit while the daemon is down
  const duringOutage = client.callStats.started - startedBefore;
  startDaemon();
  const results = await Promise.all(exits);
  t.diagnostic(`calls started during the 4 s outage with 20 pending waits: ${duringOutage}`);
  assert.ok(
    duringOutage < 20,
    `the waits retry as one (the stream's reconnects), not each on its own: ${duringOutage} calls`,
  );
  t.diagnostic(`exit codes after restart: ${JSON.stringify(results.map((r) => r.value?.code ?? String(r.error)))}`);
  // containerd 1.7 and 2.x reap, at start-up, the shim of a task that exited while the daemon was
  // down: that task is gone (NotFound) and its exit code with it. 1.6 keeps it stopped with its code.
  const reaps = atLeast(await daemonVersion(client), 1, 7);
  const expected = specs.map((s) => (reaps && s.sleep === 1 ? [s.code, "NotFound"] : [s.code]));
  const got = results.map((r) => r.value?.code ?? (isNotFound(r.error) ? "NotFound" : String(r.error)));
  got.forEach((g, i) =>
    assert.ok(expected[i]?.includes(g), `task ${i}: ${String(g)}, expected one of ${JSON.stringify(expected[i])}`),
  );
  // A reaped task's wait$ says so: a TaskGoneError (a NotFoundError) with the reason and the daemon's version
  // (the client's cached one: test/adapter/wait-reaped.test.ts counts one Version call per client).
  const { version } = await daemonVersion(client);
  for (const r of results.filter((x) => isNotFound(x.error))) {
    assert.ok(r.error instanceof TaskGoneError, String(r.error));
    assert.equal(r.error.reason, "reaped-after-restart", r.error.message);
    assert.equal(r.error.daemonVersion, version);
    assert.ok(r.error.message.includes(`this daemon is ${version}`), r.error.message);
    assert.match(
      r.error.message,
      /is gone .*containerd >= 1\.7 reaps, when it restarts, tasks that exited while it was down.*this daemon is .*its exit status is lost/,
    );
  }
  assert.deepEqual(
    got.slice(10),
    specs.slice(10).map((s) => s.code),
    "tasks running at the restart: their real codes",
  );
  const deleted = [];
  for (const task of tasks) {
    const d = await settle(lastValueFrom(task.delete$()));
    deleted.push(d.value?.code ?? (isNotFound(d.error) ? "NotFound" : String(d.error)));
  }
  assert.deepEqual(deleted, got, "delete$ agrees");
  for (const c of containers) await lastValueFrom(c.delete$());
});

test("shim killed while the daemon is down: wait$ errors with NotFoundError after the restart", async () => {
  const c = await lastValueFrom(client.containers.create$("lost", { image: BUSYBOX, args: ["sleep", "600"] }));
  const task = await lastValueFrom(c.newTask$());
  const exit = settle(
    lastValueFrom(
      task
        .wait$()
        .pipe(timeout({ first: 60_000, with: () => throwError(() => new Error("no answer for lost within 60 s")) })),
    ),
  );
  await lastValueFrom(task.start$());
  const shims = shimPids(client.namespace, "lost");
  assert.equal(shims.length, 1, "one shim for the task");
  killDaemon();
  for (const pid of shims) process.kill(pid, "SIGKILL");
  process.kill(task.pid, "SIGKILL");
  await sleep(500);
  startDaemon();
  const r = await exit;
  assert.ok(isNotFound(r.error), `expected NotFoundError, got ${r.value ? JSON.stringify(r.value) : String(r.error)}`);
  assert.ok(r.error instanceof TaskGoneError, String(r.error));
  if (atLeast(await daemonVersion(client), 1, 7)) {
    assert.equal(r.error.reason, "reaped-after-restart");
    assert.match(String(r.error), /task "lost" is gone .*or whose shim was lost/, "the error explains itself");
  } else {
    assert.equal(r.error.reason, "shim-lost-after-restart");
    assert.match(String(r.error), /task "lost" not found .*after the daemon restarted: its shim was lost/);
  }
  await lastValueFrom(c.delete$());
});

test("an events$ with reconnect keeps delivering after the restart", async (t) => {
  const arrivals = new Subject<Envelope>();
  const seen: { phase: string; e: Envelope }[] = [];
  const published = new Set<string>();
  let phase = "before";
  let failure: unknown;
  let completed = false;
  // reconnect is on by default; a short backoff keeps the test quick.
  const sub = client
    .namespaceEvents$('topic=="/namespaces/update"', { reconnect: { initialDelayMs: 100, maxDelayMs: 500 } })
    .subscribe({
      next: (e) => {
        seen.push({ phase, e });
        arrivals.next(e);
      },
      error: (e: unknown) => (failure = e),
      complete: () => (completed = true),
    });
  /** Updates a label until its event comes back (the daemon registers subscribers asynchronously, so a first update may precede it). */
  const probe = async (round: string): Promise<Envelope> => {
    const arrived = firstValueFrom(
      arrivals.pipe(
        filter(
          (e) =>
            isEvent(e, "containerd.events.NamespaceUpdate") && (e.event.labels["probe"] ?? "").startsWith(`${round}-`),
        ),
      ),
    );
    for (let n = 0; ; n++) {
      const value = `${round}-${n}`;
      published.add(value);
      const r = await lastValueFrom(client.namespaces.setLabels$(client.namespace, { probe: value })).then(
        () => undefined,
        (e: unknown) => e,
      );
      if (r !== undefined && !isUnavailable(r)) throw r; // the channel may still be reconnecting right after the restart
      const e = await Promise.race([arrived, sleep(300).then(() => undefined)]);
      if (e) return e;
    }
  };
  await probe("before");
  phase = "outage";
  killDaemon();
  await sleep(3000); // the stream fails and re-subscribes (and fails) a few times meanwhile
  phase = "after";
  startDaemon();
  const after = await probe("after");
  sub.unsubscribe();
  t.diagnostic(
    `events: ${seen.length} seen (${seen.filter((s) => s.phase === "after").length} after the restart); published ${published.size}`,
  );
  assert.equal(failure, undefined, "the subscription did not error");
  assert.ok(!completed, "nor complete");
  assert.equal(after.namespace, client.namespace);
  assert.deepEqual(
    seen.filter((s) => s.phase === "outage"),
    [],
    "nothing emitted while the daemon was down",
  );
  for (const { e } of seen) {
    assert.ok(
      isEvent(e, "containerd.events.NamespaceUpdate") && e.event.name === client.namespace,
      `unexpected ${e.topic}`,
    );
    assert.ok(
      published.has(e.event.labels["probe"] ?? ""),
      `an event we did not cause: ${JSON.stringify(e.event.labels)}`,
    );
  }
});

test("connectivity$ shows the outage: not READY while the daemon is down, READY again after a call reconnects", async (t) => {
  await lastValueFrom(client.version$());
  // connectivity$ holds no timer and an idle channel's socket is unref'd: nothing else would keep
  // node's event loop alive while the test waits for the state change.
  const keepAlive = setInterval(() => undefined, 1000);
  t.after(() => clearInterval(keepAlive));
  const states: ConnectivityState[] = [];
  const sub = client.connectivity$.subscribe((s) => states.push(s));
  assert.deepEqual(states, ["READY"]);
  killDaemon();
  const down = await firstValueFrom(client.connectivity$.pipe(filter((s) => s !== "READY")));
  startDaemon();
  await lastValueFrom(
    client.version$().pipe(retryWithBackoff({ initialDelayMs: 100, maxDelayMs: 500, retryIf: isUnavailable })),
  );
  sub.unsubscribe();
  t.diagnostic(`connectivity: ${states.join(" -> ")}`);
  assert.notEqual(down, "READY");
  assert.equal(states[1], down, "the first change after the kill leaves READY");
  assert.equal(states.at(-1), "READY", "READY after the restart");
});

test("piped IO flows through a daemon restart: the shim and the FIFOs never involve the daemon", async () => {
  // The task outlives the restart (it exits only on SIGTERM, sent after the restart): on 1.7/2.x a
  // task that exits while the daemon is down is reaped at start-up, whatever its IO.
  const script = "trap 'exit 0' TERM; for i in $(seq 1 40); do echo $i; sleep 0.1; done; while :; do sleep 0.1; done";
  const c = await lastValueFrom(client.containers.create$("talker", { image: BUSYBOX, args: ["sh", "-c", script] }));
  const task = await lastValueFrom(c.newTask$({ io: Stdio.pipe() }));
  let out = "";
  const eof = new Promise<void>((resolve, reject) =>
    task.stdout$.subscribe({
      next: (b) => {
        out += b.toString();
      },
      complete: resolve,
      error: reject,
    }),
  );
  const exit$ = task.wait$();
  await lastValueFrom(task.start$());
  await sleep(1000);
  killDaemon();
  await sleep(1500); // the task keeps writing while the daemon is down
  startDaemon();
  const expected = Array.from({ length: 40 }, (_, i) => `${i + 1}\n`).join("");
  for (const deadline = Date.now() + 20_000; out !== expected;) {
    assert.ok(Date.now() < deadline, `all 40 lines within 20 s of the restart; got ${JSON.stringify(out.slice(-40))}`);
    await sleep(50);
  }
  // The output can be complete before the channel has reconnected: the first call may be Unavailable.
  await lastValueFrom(
    task
      .kill$("SIGTERM")
      .pipe(retryWithBackoff({ initialDelayMs: 100, maxDelayMs: 500, maxRetries: 40, retryIf: isUnavailable })),
  );
  assert.equal((await lastValueFrom(exit$)).code, 0);
  await lastValueFrom(task.delete$());
  await eof;
  await lastValueFrom(c.delete$());
  assert.equal(out, expected);
});
