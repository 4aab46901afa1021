// The fake-daemon contract: scenarios run both on rxcontainerd/testing's fake (test/unit,
// virtual time, in runMarbles) and on the lab daemon (test/integration, busybox). Each container a
// scenario uses is declared twice: the busybox command for the real daemon and the script that
// makes the fake behave the same. Both runs must pass: that is how we know the fake does not lie.
import assert from "node:assert/strict";
import {
  defer,
  endWith,
  filter,
  firstValueFrom,
  ignoreElements,
  lastValueFrom,
  repeat,
  ReplaySubject,
  take,
  tap,
  throwError,
  timeout,
  type Observable,
} from "rxjs";
import {
  isAlreadyExists,
  isEvent,
  isFailedPrecondition,
  isNotFound,
  isUnknown,
  type Container,
  type Containerd,
  type Envelope,
  type IOCreator,
} from "../../src/index.js";
import type { TaskScript } from "../../src/testing.js";
import { withOptionalTaskDelete } from "./events.js";

export const CONTRACT_IMAGE = "docker.io/library/busybox:latest";

/** One container of a scenario: what it runs on busybox, and the fake's script for the same. */
export interface ContractContainer {
  readonly args: readonly string[];
  readonly script: TaskScript;
}

/** What a scenario gets: a client, its containers, piped IO, and bounded waits. */
export interface ContractEnv {
  readonly client: Containerd;
  /** Creates the declared container `id`. */
  create(id: string): Promise<Container>;
  /** IO whose stdout$/stderr$ carry the output (Stdio.pipe() on the daemon, fakeStdio on the fake). */
  io(): IOCreator;
}

export interface Scenario {
  readonly name: string;
  readonly containers: Readonly<Record<string, ContractContainer>>;
  run(env: ContractEnv): Promise<void>;
}

/** The last value, failing with `what` after `ms` (virtual ms on the fake). */
export function bounded<T>(source$: Observable<T>, what: string, ms = 10_000): Promise<T> {
  return lastValueFrom(
    source$.pipe(timeout({ first: ms, with: () => throwError(() => new Error(`timed out after ${ms} ms: ${what}`)) })),
  );
}

/** The error `source$` fails with (the assertion fails if it succeeds). */
async function failure(source$: Observable<unknown>, what: string): Promise<unknown> {
  try {
    await bounded(source$, what);
  } catch (e) {
    return e;
  }
  assert.fail(`${what}: expected an error`);
}

const PROBE = "/rxcontainerd-contract/probe";

/** The namespace's task events (and those `more` filters let through) from now on: returns once a probe came back through the stream. */
async function liveTaskEvents(
  client: Containerd,
  more: readonly string[] = [],
): Promise<{ events: ReplaySubject<Envelope>; close: () => void }> {
  const events = new ReplaySubject<Envelope>();
  const sub = client.namespaceEvents$(['topic~="^/tasks/"', ...more, `topic=="${PROBE}"`]).subscribe(events);
  for (let n = 0; ; n++) {
    const back = firstValueFrom(
      events.pipe(
        filter((e) => e.topic === PROBE),
        take(1),
        timeout({ first: 250, with: () => [undefined] }),
      ),
    );
    await bounded(
      client.services.events.publish$({ topic: PROBE, event: { typeUrl: "contract.Probe", value: Buffer.from([n]) } }),
      "probe publish",
    );
    if (await back) return { events, close: () => sub.unsubscribe() };
    assert.ok(n < 40, "a probe event came back through the event stream within 40 tries");
  }
}

const hold = ["sleep", "60"];
const JOB_ARGS = ["sh", "-c", "echo hello; echo oops >&2; exit 2"];

export const SCENARIOS: readonly Scenario[] = [
  {
    name: "a task exits with its code; create/start/exit/delete events carry its pid",
    containers: { three: { args: ["sh", "-c", "exit 3"], script: { exitCode: 3, exitAt: 5 } } },
    async run({ client, create }) {
      const live = await liveTaskEvents(client, ['topic~="^/containers/"']);
      const c = await create("three");
      const task = await bounded(c.newTask$(), "newTask$");
      assert.ok(task.pid > 0, "the task has a pid once created");
      const exit$ = task.wait$();
      const pid = await bounded(task.start$(), "start$");
      assert.equal(pid, task.pid, "start$ emits the task's pid");
      assert.equal((await bounded(exit$, "wait$")).code, 3);
      assert.equal((await bounded(task.delete$(), "delete$")).code, 3);
      await bounded(c.delete$(), "container delete$");
      // Containers.Delete publishes /containers/delete itself, after Tasks.Delete returned: every
      // task event the daemon published for this task is in the stream before it.
      await bounded(
        live.events.pipe(
          filter((e) => e.topic === "/containers/delete"),
          take(1),
        ),
        "the /containers/delete event",
      );
      live.close();
      const seen: Envelope[] = [];
      live.events.subscribe((e) => seen.push(e));
      const topics = seen.map((e) => e.topic).filter((t) => t !== PROBE);
      const version = await bounded(client.services.version.daemonVersion$(), "the daemon's version");
      const expected = [
        "/containers/create",
        "/tasks/create",
        "/tasks/start",
        "/tasks/exit",
        "/tasks/delete",
        "/containers/delete",
      ];
      assert.deepEqual(topics, withOptionalTaskDelete(expected, topics, version));
      for (const e of seen) {
        if (isEvent(e, "containerd.events.TaskCreate")) assert.equal(e.event.pid, pid, "create event pid");
        if (isEvent(e, "containerd.events.TaskStart")) assert.equal(e.event.pid, pid, "start event pid");
        if (isEvent(e, "containerd.events.TaskExit")) {
          assert.equal(e.event.pid, pid, "exit event pid");
          assert.equal(e.event.exitStatus, 3);
          assert.equal(e.event.id, "three");
        }
        if (isEvent(e, "containerd.events.TaskDelete")) {
          assert.equal(e.event.pid, pid, "delete event pid");
          assert.equal(e.event.exitStatus, 3);
        }
      }
    },
  },
  {
    name: "a stopped task: status check, wait$ of a loaded task answers at once, kill is NotFound",
    containers: { stopped: { args: ["sh", "-c", "exit 7"], script: { exitCode: 7, exitAt: 1 } } },
    async run({ create }) {
      const c = await create("stopped");
      const task = await bounded(c.newTask$(), "newTask$");
      const exit$ = task.wait$();
      await bounded(task.start$(), "start$");
      await bounded(exit$, "wait$");
      const status = await bounded(task.status$(), "status$");
      assert.equal(status.status, "stopped");
      assert.equal(status.exitStatus, 7);
      const loaded = await bounded(c.task$(), "task$");
      assert.equal((await bounded(loaded.wait$(), "wait$ of the loaded task")).code, 7);
      const kill = await failure(task.kill$("SIGKILL"), "kill$ of a stopped task");
      assert.ok(isNotFound(kill), String(kill));
      await bounded(task.delete$(), "delete$");
      await bounded(c.delete$(), "container delete$");
    },
  },
  {
    name: "a running task: delete$ is FailedPrecondition (Tasks.Delete: Unknown), kill -9 exits 137, then NotFound after delete",
    containers: { runner: { args: hold, script: { exitAt: "never" } } },
    async run({ client, create }) {
      const c = await create("runner");
      const task = await bounded(c.newTask$(), "newTask$");
      const exit$ = task.wait$();
      await bounded(task.start$(), "start$");
      assert.equal((await bounded(task.status$(), "status$")).status, "running");
      const refused = await failure(task.delete$(), "delete$ of a running task");
      assert.ok(isFailedPrecondition(refused), String(refused));
      const daemon = await failure(
        client.services.tasks.delete$({ containerId: "runner" }),
        "Tasks.Delete of a running task",
      );
      assert.ok(isUnknown(daemon), String(daemon)); // the shim's refusal, as containerd passes it on
      assert.match((daemon as Error).message, /cannot delete a running process/);
      const busy = await failure(c.delete$(), "container delete$ with a task");
      assert.ok(isFailedPrecondition(busy), String(busy));
      await bounded(task.kill$("SIGKILL"), "kill$");
      assert.equal((await bounded(exit$, "wait$")).code, 137);
      await bounded(task.delete$(), "delete$");
      const gone = await failure(c.task$(), "task$ after delete");
      assert.ok(isNotFound(gone), String(gone));
      const get = await failure(client.services.tasks.get$({ containerId: "runner" }), "Tasks.Get after delete");
      assert.ok(isNotFound(get), String(get));
      await bounded(c.delete$(), "container delete$");
      const noContainer = await failure(client.containers.load$("runner"), "load$ after delete");
      assert.ok(isNotFound(noContainer), String(noContainer));
    },
  },
  {
    name: "AlreadyExists: a duplicate container id, a second task, a duplicate exec id",
    containers: { dup: { args: hold, script: { exitAt: "never" } } },
    async run({ client, create }) {
      const c = await create("dup");
      const again = await failure(
        client.containers.create$("dup", { image: CONTRACT_IMAGE, args: hold }),
        "create$ of a duplicate",
      );
      assert.ok(isAlreadyExists(again), String(again));
      const task = await bounded(c.newTask$(), "newTask$");
      const second = await failure(c.newTask$(), "a second newTask$");
      assert.ok(isAlreadyExists(second), String(second));
      await bounded(task.start$(), "start$");
      await bounded(task.exec$("probe", { args: hold }), "exec$");
      const dupExec = await failure(task.exec$("probe", { args: ["true"] }), "exec$ with a duplicate id");
      assert.ok(isAlreadyExists(dupExec), String(dupExec));
      await bounded(task.delete$({ kill: true }), "delete$ kill");
      await bounded(c.delete$(), "container delete$");
    },
  },
  {
    name: "signals: an exec ends with 128+n; SIGKILL of the init ends its execs; exit events carry each pid",
    containers: {
      sig: {
        args: hold,
        script: { exitAt: "never", execs: { worker: { exitAt: "never" }, other: { exitAt: "never" } } },
      },
    },
    async run({ client, create }) {
      const live = await liveTaskEvents(client);
      const c = await create("sig");
      const task = await bounded(c.newTask$(), "newTask$");
      const taskExit$ = task.wait$();
      await bounded(task.start$(), "start$");
      const worker = await bounded(task.exec$("worker", { args: hold }), "exec$ worker");
      const workerExit$ = worker.wait$();
      const workerPid = await bounded(worker.start$(), "worker start$");
      assert.ok(workerPid > 0 && workerPid !== task.pid, "an exec has a pid of its own");
      const other = await bounded(task.exec$("other", { args: hold }), "exec$ other");
      const otherExit$ = other.wait$();
      await bounded(other.start$(), "other start$");
      await bounded(worker.kill$("SIGTERM"), "kill$ SIGTERM");
      assert.equal((await bounded(workerExit$, "worker wait$")).code, 143);
      assert.equal((await bounded(worker.status$(), "worker status$")).status, "stopped");
      await bounded(task.kill$("SIGKILL"), "kill$ SIGKILL");
      assert.equal((await bounded(taskExit$, "task wait$")).code, 137);
      assert.equal((await bounded(otherExit$, "other wait$")).code, 137);
      const exits = await bounded(
        live.events.pipe(
          filter((e) => e.topic === "/tasks/exit"),
          take(3),
        ),
        "three exit events",
      );
      assert.ok(exits);
      live.close();
      const byId = new Map<string, number>();
      live.events.subscribe((e) => {
        if (isEvent(e, "containerd.events.TaskExit")) byId.set(e.event.id, e.event.pid);
      });
      assert.deepEqual(
        byId,
        new Map([
          ["worker", workerPid],
          ["other", other.pid],
          ["sig", task.pid],
        ]),
      );
      await bounded(task.delete$(), "delete$");
      await bounded(c.delete$(), "container delete$");
    },
  },
  {
    name: "pause and resume: statuses and events",
    containers: { pz: { args: hold, script: { exitAt: "never" } } },
    async run({ client, create }) {
      const live = await liveTaskEvents(client);
      const c = await create("pz");
      const task = await bounded(c.newTask$(), "newTask$");
      await bounded(task.start$(), "start$");
      await bounded(task.pause$(), "pause$");
      assert.equal((await bounded(task.status$(), "status$")).status, "paused");
      const refused = await failure(task.delete$(), "delete$ of a paused task");
      assert.ok(isFailedPrecondition(refused), String(refused));
      await bounded(task.resume$(), "resume$");
      assert.equal((await bounded(task.status$(), "status$")).status, "running");
      await bounded(
        live.events.pipe(
          filter((e) => e.topic === "/tasks/resumed"),
          take(1),
        ),
        "the /tasks/resumed event",
      );
      live.close();
      const topics: string[] = [];
      live.events.subscribe((e) => topics.push(e.topic));
      assert.deepEqual(
        topics.filter((t) => t !== PROBE),
        ["/tasks/create", "/tasks/start", "/tasks/paused", "/tasks/resumed"],
      );
      await bounded(task.delete$({ kill: true }), "delete$ kill");
      await bounded(c.delete$(), "container delete$");
    },
  },
  {
    name: "start failures: a missing binary fails newTask$ (init) or start$ (exec) with UnknownError; wait$ answers",
    containers: {
      nobin: {
        args: ["/no/such/binary"],
        script: { startError: 'exec: "/no/such/binary": stat /no/such/binary: no such file or directory' },
      },
      host: {
        args: hold,
        script: {
          exitAt: "never",
          execs: { nobin: { startError: 'exec: "/no/such/binary": stat /no/such/binary: no such file or directory' } },
        },
      },
    },
    async run({ create }) {
      const bad = await create("nobin");
      const failed = await failure(bad.newTask$(), "newTask$ of a missing binary");
      assert.ok(isUnknown(failed), String(failed));
      assert.match((failed as Error).message, /no such file|not found/i);
      await bounded(bad.delete$(), "container delete$");
      const c = await create("host");
      const task = await bounded(c.newTask$(), "newTask$");
      await bounded(task.start$(), "start$");
      const p = await bounded(task.exec$("nobin", { args: ["/no/such/binary"] }), "exec$");
      const exit$ = p.wait$();
      const started = await failure(p.start$(), "start$ of a missing binary");
      assert.ok(isUnknown(started), String(started));
      assert.equal(typeof (await bounded(exit$, "wait$ after a failed start")).code, "number");
      assert.equal((await bounded(p.status$(), "status$")).status, "created");
      await bounded(p.delete$(), "exec delete$");
      await bounded(task.delete$({ kill: true }), "delete$ kill");
      await bounded(c.delete$(), "container delete$");
    },
  },
  {
    name: "run$: created, started (pid), output, exited; nothing left behind",
    containers: {
      job: {
        args: JOB_ARGS,
        script: { exitCode: 2, exitAt: 3, output: [{ at: 1, stdout: "hello\n", stderr: "oops\n" }] },
      },
    },
    async run({ client, io }) {
      const types: string[] = [];
      let stdout = "";
      let stderr = "";
      let code = -1;
      let pid = 0;
      await bounded(
        client.run$("job", { image: CONTRACT_IMAGE, args: JOB_ARGS, io: io() }).pipe(
          tap((e) => {
            if (types.at(-1) !== e.type || e.type !== "output") types.push(e.type);
            if (e.type === "started") pid = e.pid;
            if (e.type === "output" && e.stream === "stdout") stdout += e.data.toString();
            if (e.type === "output" && e.stream === "stderr") stderr += e.data.toString();
            if (e.type === "exited") code = e.status.code;
          }),
          ignoreElements(),
          endWith("done"),
        ),
        "run$",
      );
      assert.deepEqual(types, ["created", "started", "output", "exited"]);
      assert.ok(pid > 0, "started carries the pid");
      assert.equal(stdout, "hello\n");
      assert.equal(stderr, "oops\n");
      assert.equal(code, 2);
      await bounded(
        defer(() => client.containers.list$()).pipe(
          repeat({ delay: 20 }),
          filter((list) => !list.some((c) => c.id === "job")),
          take(1),
        ),
        "run$ removed its container",
      );
    },
  },
];
