import { BehaviorSubject, type SchedulerLike } from "rxjs";
import { InvalidArgumentError } from "../../errors/containerd-error.js";
import type { Backend } from "../../services/backend.js";
import type { ConnectivityState } from "../../services/connectivity.js";
import type { FieldLookup, FilterMatcher } from "../../services/fake/bus.js";
import { FakeDaemon } from "../../services/fake/daemon.js";
import type { FakeImages, TaskScripts } from "../../services/fake/scripts.js";
import { fakeServices } from "../../services/fake/services.js";
import { Containerd } from "../client/client.js";
import { parseFilter, type FilterSelector } from "../events/filters.js";
import type { IOCreator, ProcessIO } from "../io/types.js";

/** Options of {@link createFakeContainerd}. */
export interface FakeContainerdOptions {
  /** Whose time the fake lives on: a `TestScheduler` (virtual time) in marble tests. */
  readonly scheduler: SchedulerLike;
  /** The client's namespace. Default `default`. */
  readonly namespace?: string;
  /** How tasks behave, by container id (see {@link TaskScript}). Unscripted tasks exit with 0 as soon as they start. */
  readonly tasks?: TaskScripts;
  /**
   * Images present and unpacked (in every namespace). Default: `docker.io/library/busybox:latest`
   * alone. Pulling is not modelled: `images.pull$` errors with NotImplementedError.
   */
  readonly images?: FakeImages;
  /** First pid handed out (then counting up). Default 1000. */
  readonly firstPid?: number;
}

const daemons = new WeakMap<Containerd, FakeDaemon>();

function matches(s: FilterSelector, lookup: FieldLookup): boolean {
  const v = lookup(s.fieldpath);
  switch (s.operator) {
    case "present":
      return v !== undefined;
    case "==":
      return v === s.value;
    case "!=":
      return v !== s.value;
    case "~=":
      return v !== undefined && new RegExp(s.value ?? "").test(v);
  }
}

/** containerd's filter semantics: filters ORed, the selectors of one filter ANDed; none matches all. */
const matcher: FilterMatcher = (filters) => {
  const parsed = filters.map((f) => {
    const p = parseFilter(f);
    if (p instanceof Error) throw new InvalidArgumentError(p.message, { cause: p });
    return p;
  });
  if (parsed.length === 0) return () => true;
  return (lookup) => parsed.some((selectors) => selectors.every((s) => matches(s, lookup)));
};

/**
 * A {@link Containerd} over a fake containerd that lives on `scheduler`'s time: the real client,
 * containers, tasks, `wait$`, `run$` and the event hub run unchanged on a fake at the services
 * layer (no socket, no process, no timer outside the scheduler). Run it inside
 * {@link runMarbles} with a `TestScheduler`.
 *
 * What it models, as containerd does: containers (AlreadyExistsError on a duplicate id,
 * NotFoundError after delete), images given in `images` (present and unpacked), snapshots,
 * leases, namespaces, tasks and execs with pids, statuses (`created`, `running`, `paused`,
 * `stopped` with the exit status), `Tasks.Wait`, kill (a signal ends a process with 128 + n unless
 * its script says otherwise; SIGKILL always), pause and resume, FailedPreconditionError on deleting
 * a running task, NotFoundError on killing a finished one, and the events `/tasks/create`,
 * `/tasks/start`, `/tasks/exit` (with pid and status), `/tasks/oom`, `/tasks/delete`,
 * `/tasks/exec-added`, `/tasks/exec-started`, `/tasks/paused`, `/tasks/resumed` and any
 * `Events.Publish` (so the exit hub's probe comes back). Output is scripted and read through
 * {@link fakeStdio}. Other services error with NotImplementedError. The contract suite
 * (test/unit/fake-contract.test.ts and test/integration/fake-contract.test.ts) runs the same
 * scenarios here and on a real daemon.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { TestScheduler } from "rxjs/testing";
 * const scheduler = new TestScheduler((actual, expected) => assert.deepStrictEqual(actual, expected));
 * await runMarbles(scheduler, ({ expectObservable }) => {
 *   const client = createFakeContainerd({ scheduler, tasks: { job: { exitCode: 3, exitAt: 10 } } });
 *   const types$ = client.run$("job", { image: "docker.io/library/busybox:latest" }).pipe(map((e) => e.type));
 *   expectObservable(types$).toBe("(ab) 6ms (c|)", { a: "created", b: "started", c: "exited" });
 * });
 * ```
 */
export function createFakeContainerd(options: FakeContainerdOptions): Containerd {
  const daemon = new FakeDaemon({
    scheduler: options.scheduler,
    matcher,
    ...(options.tasks ? { tasks: options.tasks } : {}),
    ...(options.images ? { images: options.images } : {}),
    ...(options.firstPid !== undefined ? { firstPid: options.firstPid } : {}),
  });
  const state = new BehaviorSubject<ConnectivityState>("READY");
  const backend: Backend = {
    services: (defaults) => fakeServices(daemon, defaults),
    connectivity$: state.asObservable(),
    stats: daemon.calls.stats,
    scheduler: options.scheduler,
    remote: false,
    cancelCalls: () => daemon.calls.close(),
    close: () => {
      if (state.closed) return;
      state.next("SHUTDOWN");
      state.complete();
    },
  };
  const register = (client: Containerd): Containerd => {
    daemons.set(client, daemon);
    const withNamespace = client.withNamespace.bind(client);
    client.withNamespace = (namespace) => register(withNamespace(namespace));
    return client;
  };
  return register(new Containerd({ address: "fake", namespace: options.namespace ?? "default" }, { backend }));
}

let ioSets = 0;

/**
 * The IO to give tasks on a fake client (`newTask$({ io })`, `exec$(id, spec, { io })`,
 * `run$(id, { io })`) in place of `Stdio.pipe()`: `stdout$` and `stderr$` deliver the chunks the
 * process's script writes (`output: [{ at: 5, stdout: "ready\n" }]`) at their frames, and complete
 * when it exits; `run$` turns them into `output` events. No FIFO, no file: stdin is not modelled.
 * Production code takes the IO as a parameter so that tests can pass this one.
 * InvalidArgumentError (thrown) for a client not made by {@link createFakeContainerd} (or
 * its `withNamespace`).
 *
 * @example
 * ```ts
 * import { TestScheduler } from "rxjs/testing";
 * const scheduler = new TestScheduler(() => undefined);
 * const client = createFakeContainerd({ scheduler, tasks: { job: { output: [{ at: 2, stdout: "hi\n" }], exitAt: 5 } } });
 * client.run$("job", { image: "docker.io/library/busybox:latest", io: fakeStdio(client) }).subscribe();
 * ```
 */
export function fakeStdio(client: Containerd): IOCreator {
  const daemon = daemons.get(client);
  if (!daemon) throw new InvalidArgumentError("fakeStdio: the client was not made by createFakeContainerd");
  return {
    create: (target) => {
      const base = `/fake/io/${++ioSets}/${target.namespace}/${target.containerId}/${target.execId || "init"}`;
      const config = { stdin: "", stdout: `${base}/stdout`, stderr: `${base}/stderr`, terminal: false };
      const io: ProcessIO = {
        config,
        stdout$: daemon.output$(config.stdout).asObservable(),
        stderr$: daemon.output$(config.stderr).asObservable(),
        stdin: undefined,
        connected: () => undefined,
        wait: () => Promise.resolve(),
        close: () => Promise.resolve(),
      };
      return Promise.resolve(io);
    },
  };
}

export type {
  FakeImage,
  FakeImages,
  OutputChunk,
  ProcessScript,
  SignalScript,
  TaskScript,
  TaskScripts,
} from "../../services/fake/scripts.js";
