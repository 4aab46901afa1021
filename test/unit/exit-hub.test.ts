// The event hub and the wait built on it, on virtual time: a fake containerd exchange that
// registers a subscriber some time after Subscribe (the registration race), delivers published
// events in order to registered subscribers only, and can fail every stream (a daemon restart).
import { test } from "node:test";
import assert from "node:assert/strict";
import { Observable, type Subscriber } from "rxjs";
import { TestScheduler } from "rxjs/testing";
import { TaskExit } from "../../generated/github.com/containerd/containerd/api/events/task.js";
import { PermissionDeniedError, UnavailableError, NotFoundError, isNotFound } from "../../src/index.js";
import {
  EventHub,
  PROBE_TOPIC_PREFIX,
  PROBE_TYPE_URL,
  type EventHubOptions,
  type ExitListener,
  type HubReady,
} from "../../src/observables/tasks/wait/exit-hub.js";
import { ExitWait } from "../../src/observables/tasks/wait/wait.js";
import { StatusChecks } from "../../src/observables/tasks/wait/status-checks.js";
import type { EventsApi } from "../../src/services/events.js";
import type { TasksApi } from "../../src/services/tasks.js";

type Raw = {
  timestamp: Date | undefined;
  namespace: string;
  topic: string;
  event: { typeUrl: string; value: Buffer } | undefined;
};
type Runner = Parameters<Parameters<TestScheduler["run"]>[0]>[0];

const scheduler = () => new TestScheduler((actual, expected) => assert.deepEqual(actual, expected));

/** containerd's exchange, on virtual time. */
function fakeExchange(sch: TestScheduler, registerDelay: number) {
  const registered = new Set<Subscriber<Raw>>();
  const log: string[] = [];
  const ex = {
    log,
    registered,
    /** Error for Publish (a daemon that refuses the probe), or for Subscribe while "down". */
    publishError: undefined as unknown,
    down: false,
    /** Mutation switch: the exchange delivers nothing. */
    deliverNothing: false,
    api: {
      subscribe$: (req?: { filters?: string[] }) =>
        new Observable<Raw>((s) => {
          log.push(`subscribe@${sch.now()}`);
          if (ex.down) {
            s.error(new UnavailableError("connection refused"));
            return undefined;
          }
          assert.ok(
            req?.filters?.some((f) => f.includes(PROBE_TOPIC_PREFIX)),
            "the probe topic is in the hub's filter",
          );
          const h = sch.schedule(() => registered.add(s), registerDelay);
          return () => {
            h.unsubscribe();
            registered.delete(s);
          };
        }),
      publish$: (req?: { topic?: string; event?: { typeUrl?: string } }, options?: { namespace?: string }) =>
        new Observable<object>((s) => {
          log.push(`publish@${sch.now()}`);
          if (ex.publishError) return s.error(ex.publishError);
          assert.equal(req?.event?.typeUrl, PROBE_TYPE_URL);
          assert.equal(options?.namespace, "ns1");
          ex.send({
            timestamp: new Date(0),
            namespace: "ns1",
            topic: req?.topic ?? "",
            event: { typeUrl: PROBE_TYPE_URL, value: Buffer.alloc(0) },
          });
          s.next({});
          s.complete();
        }),
    } as unknown as Pick<EventsApi, "subscribe$" | "publish$">,
    send(raw: Raw) {
      if (ex.deliverNothing) return;
      for (const s of [...registered]) s.next(raw);
    },
    exit(namespace: string, containerId: string, id: string, pid: number, exitStatus: number) {
      ex.send({
        timestamp: new Date(0),
        namespace,
        topic: "/tasks/exit",
        event: {
          typeUrl: "containerd.events.TaskExit",
          value: Buffer.from(
            TaskExit.encode(
              TaskExit.fromPartial({ containerId, id, pid, exitStatus, exitedAt: new Date(1000) }),
            ).finish(),
          ),
        },
      });
    },
    /** Every stream fails (the daemon went away). */
    failAll() {
      for (const s of [...registered]) s.error(new UnavailableError("transport is closing"));
      registered.clear();
    },
  };
  return ex;
}

const hubOptions = (sch: TestScheduler, extra: Partial<EventHubOptions> = {}): EventHubOptions => ({
  namespace: "ns1",
  scheduler: sch,
  probeId: "t1",
  probeDelayMs: 100,
  lingerMs: 2000,
  backoff: { initialDelayMs: 100, maxDelayMs: 400, jitter: 0 },
  ...extra,
});

test("hub: the stream is trusted only once a probe came back; a probe lost to the registration race is re-published", () => {
  const sch = scheduler();
  sch.run(({ expectObservable }: Runner) => {
    const ex = fakeExchange(sch, 150); // registered 150 ms after Subscribe: probes at 0 and 100 are lost
    const hub = new EventHub(ex.api, hubOptions(sch));
    sch.schedule(() => hub.exits$("ns1", "c1", "c1").subscribe(), 0);
    // published at 0 (lost), 100 (lost), 300 (100 + 200, doubling): live at 300
    expectObservable(hub.ready$, "^ 999ms !").toBe("300ms a", { a: { mode: "events", epoch: 1 } });
    sch.schedule(() => {
      assert.deepEqual(
        ex.log,
        ["subscribe@0", "publish@0", "publish@100", "publish@300"],
        "no probe after the stream is live",
      );
      assert.equal(hub.mode, "events");
      assert.equal(hub.probeTopic, "/rxcontainerd/probe/t1");
    }, 900);
  });
});

test("hub: demultiplexes exits by namespace, container and process id; one stream for every listener", () => {
  const sch = scheduler();
  sch.run(({ expectObservable }: Runner) => {
    const ex = fakeExchange(sch, 5);
    const hub = new EventHub(ex.api, hubOptions(sch));
    const at = (ms: number, f: () => void) => sch.schedule(f, ms);
    const pick = (ns: string, c: string, id: string) => hub.exits$(ns, c, id);
    const values = (code: number, pid: number, c = "c1", id = c, namespace = "ns1") => ({
      namespace,
      containerId: c,
      id,
      pid,
      exitStatus: code,
      exitedAt: new Date(1000),
    });
    const init$ = pick("ns1", "c1", "c1");
    const exec$ = pick("ns1", "c1", "e1");
    const other$ = pick("ns2", "c1", "c1");
    at(50, () => ex.exit("ns1", "c1", "e1", 11, 3));
    at(60, () => ex.exit("ns2", "c1", "c1", 12, 4));
    at(70, () => ex.exit("ns1", "c1", "c1", 10, 5));
    at(80, () => ex.exit("ns1", "c2", "c1", 13, 6)); // another container whose exec id is "c1"
    expectObservable(init$, "^ 99ms !").toBe("70ms a", { a: values(5, 10) });
    expectObservable(exec$, "^ 99ms !").toBe("50ms a", { a: values(3, 11, "c1", "e1") });
    expectObservable(other$, "^ 99ms !").toBe("60ms a", { a: values(4, 12, "c1", "c1", "ns2") });
    at(99, () =>
      assert.deepEqual(
        ex.log.filter((l) => l.startsWith("subscribe")),
        ["subscribe@0"],
        "one stream",
      ),
    );
  });
});

test("hub: after the stream fails it re-subscribes once, with backoff, and a new epoch starts only when a new probe came back", () => {
  const sch = scheduler();
  sch.run(({ expectObservable }: Runner) => {
    const ex = fakeExchange(sch, 20);
    const hub = new EventHub(ex.api, hubOptions(sch));
    sch.schedule(() => hub.exits$("ns1", "c1", "c1").subscribe(), 0);
    sch.schedule(() => {
      ex.down = true;
      ex.failAll();
    }, 500); // retries at 600, 800, 1200 fail
    sch.schedule(() => {
      ex.down = false;
    }, 1300); // the retry at 1200 + 400 = 1600 succeeds
    // epoch 1: publish@0 lost (registered at 20), publish@100 arrives. Epoch 2: subscribe at 1600,
    // publish@1600 lost, publish@1700 arrives.
    expectObservable(hub.ready$, "^ 2999ms !").toBe("100ms a 1599ms b", {
      a: { mode: "events", epoch: 1 },
      b: { mode: "events", epoch: 2 },
    });
    sch.schedule(
      () =>
        assert.deepEqual(ex.log, [
          "subscribe@0",
          "publish@0",
          "publish@100",
          "subscribe@600",
          "subscribe@800",
          "subscribe@1200",
          "subscribe@1600",
          "publish@1600",
          "publish@1700",
        ]),
      2900,
    );
  });
});

test("hub: a daemon that refuses the probe puts the hub in rpc mode", () => {
  const sch = scheduler();
  sch.run(({ expectObservable }: Runner) => {
    const ex = fakeExchange(sch, 5);
    ex.publishError = new PermissionDeniedError("publish not allowed");
    const hub = new EventHub(ex.api, hubOptions(sch));
    sch.schedule(() => hub.exits$("ns1", "c1", "c1").subscribe(), 0);
    expectObservable(hub.ready$, "^ 999ms !").toBe("100ms a", { a: { mode: "rpc", epoch: 1 } });
    sch.schedule(() => assert.equal(hub.mode, "rpc"), 500);
  });
});

test("hub: closes the stream lingerMs after its last listener; close() errors pending listeners", () => {
  const sch = scheduler();
  sch.run(() => {
    const ex = fakeExchange(sch, 5);
    const hub = new EventHub(ex.api, hubOptions(sch));
    const sub = hub.exits$("ns1", "c1", "c1").subscribe();
    sch.schedule(() => sub.unsubscribe(), 100);
    sch.schedule(() => assert.equal(ex.registered.size, 1, "still open while lingering"), 2099);
    sch.schedule(() => assert.equal(ex.registered.size, 0, "closed after lingering"), 2101);
    const seen: string[] = [];
    sch.schedule(
      () => hub.exits$("ns1", "c9", "c9").subscribe({ error: (e: unknown) => seen.push(`${sch.now()} ${String(e)}`) }),
      2500,
    );
    sch.schedule(() => hub.close(), 3000);
    sch.schedule(
      () => assert.deepEqual(seen, ["3000 CanceledError: [Canceled] the client was closed while waiting for the exit"]),
      3001,
    );
  });
});

test("hub: the stream opens after the caller's synchronous run; a listener added and removed in that run opens none", () => {
  const sch = scheduler();
  sch.run(() => {
    const ex = fakeExchange(sch, 5);
    const hub = new EventHub(ex.api, hubOptions(sch));
    sch.schedule(() => {
      const gone = { next: () => undefined, error: () => undefined };
      hub.add("ns1", "c0", "c0", gone);
      hub.remove("ns1", "c0", "c0", gone);
      assert.deepEqual(ex.log, [], "nothing called synchronously");
    }, 10);
    sch.schedule(() => assert.equal(hub.streamsOpened, 0, "no stream for a listener that came and went"), 20);
    sch.schedule(() => {
      hub.exits$("ns1", "c1", "c1").subscribe({ error: () => undefined });
      assert.deepEqual(ex.log, [], "the stream is not opened in the caller's run");
    }, 30);
    sch.schedule(() => assert.deepEqual(ex.log, ["subscribe@30", "publish@30"]), 31);
    sch.schedule(() => hub.close(), 100);
  });
});

test("hub: a listener with a ready method hears every epoch (at once when added to a live hub), until removed", () => {
  const sch = scheduler();
  sch.run(() => {
    const ex = fakeExchange(sch, 5);
    const hub = new EventHub(ex.api, hubOptions(sch));
    const seen: string[] = [];
    const early = {
      next: () => undefined,
      error: () => undefined,
      ready: (r: HubReady) => seen.push(`early ${r.epoch}@${sch.now()}`),
    };
    const late = {
      next: () => undefined,
      error: () => undefined,
      ready: (r: HubReady) => seen.push(`late ${r.epoch}@${sch.now()}`),
    };
    sch.schedule(() => hub.add("ns1", "c1", "c1", early), 0);
    sch.schedule(() => hub.add("ns1", "c1", "c1", late), 400); // live since 100 (first probe lost, re-published at 100)
    sch.schedule(() => ex.failAll(), 500); // reconnect after 100 ms of backoff, live again once a probe is back
    sch.schedule(() => hub.remove("ns1", "c1", "c1", early), 1500);
    sch.schedule(() => ex.failAll(), 1600);
    sch.schedule(() => {
      assert.deepEqual(seen, ["early 1@100", "late 1@400", "early 2@700", "late 2@700", "late 3@1800"]);
      hub.close();
    }, 3000);
  });
});

test("hub: an undecodable TaskExit and exits of namespaces without waits are skipped; the next exit is delivered", () => {
  const sch = scheduler();
  sch.run(({ expectObservable }: Runner) => {
    const ex = fakeExchange(sch, 5);
    const hub = new EventHub(ex.api, hubOptions(sch));
    const bad = (namespace: string) => ({
      timestamp: new Date(0),
      namespace,
      topic: "/tasks/exit",
      event: { typeUrl: "containerd.events.TaskExit", value: Buffer.from([0x0a, 0x09, 0x61]) }, // truncated string
    });
    sch.schedule(() => ex.send(bad("ns1")), 200);
    sch.schedule(() => ex.send(bad("ns2")), 210);
    sch.schedule(() => ex.exit("ns2", "c1", "c1", 42, 1), 220);
    sch.schedule(() => ex.exit("ns1", "c1", "c1", 42, 3), 300);
    expectObservable(hub.exits$("ns1", "c1", "c1"), "^ 400ms !").toBe("300ms a", {
      a: { namespace: "ns1", containerId: "c1", id: "c1", pid: 42, exitStatus: 3, exitedAt: new Date(1000) },
    });
    sch.schedule(() => hub.close(), 500);
  });
});

// ExitWait (the wait$ behind every Process) on the same fake exchange.

type GetAnswer = { status: number; exitStatus?: number } | Error;
function fakeTasks(sch: TestScheduler, answer: (n: number) => GetAnswer) {
  const calls: string[] = [];
  const api = {
    get$: () =>
      new Observable((s) => {
        const n = calls.filter((c) => c.startsWith("get")).length;
        calls.push(`get@${sch.now()}`);
        const a = answer(n);
        if (a instanceof Error) return s.error(a);
        s.next({ process: { status: a.status, exitStatus: a.exitStatus ?? 0, exitedAt: new Date(2000) } });
        s.complete();
        return undefined;
      }),
    wait$: () =>
      new Observable(() => {
        calls.push(`wait@${sch.now()}`);
      }),
  } as unknown as TasksApi;
  return { api, calls };
}

const target = (id: string, pid = 42) => ({ namespace: "ns1", containerId: id, execId: "", pid: () => pid });

test("wait: registers, waits for the live stream, checks the status once, then the exit comes from the stream (no RPC open)", () => {
  const sch = scheduler();
  sch.run(({ expectObservable }: Runner) => {
    const ex = fakeExchange(sch, 150);
    const hub = new EventHub(ex.api, hubOptions(sch));
    const tasks = fakeTasks(sch, () => ({ status: 2 })); // running
    const w = new ExitWait(tasks.api, hub, target("c1"));
    sch.schedule(() => ex.exit("ns1", "c1", "c1", 41, 9), 400); // an earlier task's late exit: another pid
    sch.schedule(() => ex.exit("ns1", "c1", "c1", 42, 7), 500);
    expectObservable(w.exit$).toBe("500ms (a|)", { a: { code: 7, exitedAt: new Date(1000) } });
    sch.schedule(
      () =>
        assert.deepEqual(tasks.calls, ["get@300"], "one status check, once the probe came back at 300; no Wait RPC"),
      600,
    );
  });
});

test("wait: the exit reaches the subscribers before the wait releases its hub listener (bookkeeping off the exit's path)", () => {
  const sch = scheduler();
  sch.run(() => {
    const ex = fakeExchange(sch, 5);
    const seen: string[] = [];
    const hub = new (class extends EventHub {
      override remove(namespace: string, containerId: string, id: string, listener: ExitListener): void {
        seen.push(`remove ${containerId}`);
        super.remove(namespace, containerId, id, listener);
      }
    })(ex.api, hubOptions(sch));
    const w = new ExitWait(fakeTasks(sch, () => ({ status: 2 })).api, hub, target("c1"));
    w.exit$.subscribe((s) => seen.push(`exit ${s.code}`));
    sch.schedule(() => ex.exit("ns1", "c1", "c1", 42, 7), 200);
    sch.schedule(() => {
      assert.deepEqual(seen, ["exit 7", "remove c1"]);
      hub.close();
    }, 300);
  });
});

test("wait: a process already stopped is answered by the status check", () => {
  const sch = scheduler();
  sch.run(({ expectObservable }: Runner) => {
    const ex = fakeExchange(sch, 5);
    const hub = new EventHub(ex.api, hubOptions(sch));
    const tasks = fakeTasks(sch, () => ({ status: 3, exitStatus: 4 }));
    expectObservable(new ExitWait(tasks.api, hub, target("c1")).exit$).toBe("100ms (a|)", {
      a: { code: 4, exitedAt: new Date(2000) },
    });
  });
});

test("wait: the hub delivers nothing -> a running process is never reported exited", () => {
  const sch = scheduler();
  sch.run(({ expectObservable }: Runner) => {
    const ex = fakeExchange(sch, 5);
    const hub = new EventHub(ex.api, hubOptions(sch));
    const tasks = fakeTasks(sch, () => ({ status: 2 }));
    const w = new ExitWait(tasks.api, hub, target("c1"));
    sch.schedule(() => {
      ex.deliverNothing = true;
    }, 200);
    sch.schedule(() => ex.exit("ns1", "c1", "c1", 42, 7), 300);
    expectObservable(w.exit$, "^ 999ms !").toBe("");
  });
});

test("wait: during an outage no wait retries on its own; after the reconnect each pending wait checks once", () => {
  const sch = scheduler();
  sch.run(({ expectObservable }: Runner) => {
    const ex = fakeExchange(sch, 5);
    const hub = new EventHub(ex.api, hubOptions(sch));
    // running until the outage; stopped with code i after it
    const waits = [0, 1, 2].map((i) => {
      const tasks = fakeTasks(sch, (n) => (n === 0 ? { status: 2 } : { status: 3, exitStatus: i }));
      return { tasks, w: new ExitWait(tasks.api, hub, target(`c${i}`)) };
    });
    sch.schedule(() => {
      ex.down = true;
      ex.failAll();
    }, 500);
    sch.schedule(() => {
      ex.down = false;
    }, 5000); // retries at 600, 800, 1200, 1600, ... 4800, 5200
    for (const [i, { w }] of waits.entries()) {
      expectObservable(w.exit$).toBe("5300ms (a|)", { a: { code: i, exitedAt: new Date(2000) } });
    }
    sch.schedule(() => {
      for (const { tasks } of waits)
        assert.deepEqual(tasks.calls, ["get@100", "get@5300"], "one check per live epoch, none during the outage");
      assert.equal(
        ex.log.filter((l) => l.startsWith("subscribe")).length,
        14,
        "one stream retry for all waits: 0, 600, 800, then every 400 ms to 5200",
      );
    }, 6000);
  });
});

test("wait: NotFound from the status check (task gone, e.g. reaped at a restart) is an explained NotFoundError", () => {
  const sch = scheduler();
  sch.run(() => {
    const ex = fakeExchange(sch, 5);
    const hub = new EventHub(ex.api, hubOptions(sch));
    const tasks = fakeTasks(sch, () => new NotFoundError("task c1 not found"));
    const errors: unknown[] = [];
    const w = new ExitWait(tasks.api, hub, target("c1"));
    w.exit$.subscribe({ error: (e: unknown) => errors.push(e) });
    sch.schedule(() => {
      assert.equal(errors.length, 1);
      assert.ok(isNotFound(errors[0]));
      assert.match(
        String((errors[0] as Error).message),
        /task "c1" not found in namespace "ns1": it was deleted, or containerd removed it because its shim was lost/,
      );
    }, 200);
  });
});

test("wait: in rpc mode a pending wait also holds Tasks.Wait", () => {
  const sch = scheduler();
  sch.run(() => {
    const ex = fakeExchange(sch, 5);
    ex.publishError = new PermissionDeniedError("no");
    const hub = new EventHub(ex.api, hubOptions(sch));
    const tasks = fakeTasks(sch, () => ({ status: 2 }));
    new ExitWait(tasks.api, hub, target("c1")).exit$.subscribe();
    sch.schedule(() => assert.deepEqual(tasks.calls, ["wait@100", "get@100"]), 200);
  });
});

test("wait: many pending waits of a namespace check with one Tasks.List (at first and after a reconnect); an unlisted task is asked with Tasks.Get", () => {
  const sch = scheduler();
  sch.run(({ expectObservable }: Runner) => {
    const ex = fakeExchange(sch, 5);
    const hub = new EventHub(ex.api, hubOptions(sch));
    const calls: string[] = [];
    let down = false;
    const n = 20;
    const api = {
      list$: () =>
        new Observable((s) => {
          calls.push(`list@${sch.now()}`);
          // Before the outage all run; after it, all stopped with code i, except c0 (not listed, as when containerd cannot read its state).
          const tasks = Array.from({ length: n }, (_, i) => ({
            id: `c${i}`,
            containerId: "",
            status: down ? 3 : 2,
            exitStatus: i,
            exitedAt: new Date(2000),
          })).filter((p) => !(down && p.id === "c0"));
          s.next({ tasks });
          s.complete();
        }),
      get$: (req: { containerId: string }) =>
        new Observable((s) => {
          calls.push(`get ${req.containerId}@${sch.now()}`);
          s.next({ process: { status: 3, exitStatus: 100, exitedAt: new Date(2000) } });
          s.complete();
        }),
      wait$: () => new Observable(() => void calls.push(`wait@${sch.now()}`)),
    } as unknown as TasksApi;
    const waits = Array.from({ length: n }, (_, i) => new ExitWait(api, hub, target(`c${i}`)));
    sch.schedule(() => {
      down = true;
      ex.down = true;
      ex.failAll();
    }, 500);
    sch.schedule(() => {
      ex.down = false;
    }, 1000);
    for (const [i, w] of waits.entries()) {
      expectObservable(w.exit$).toBe("1300ms (a|)", { a: { code: i === 0 ? 100 : i, exitedAt: new Date(2000) } });
    }
    sch.schedule(
      () =>
        assert.deepEqual(
          calls,
          ["list@100", "list@1300", "get c0@1300"],
          `${n} waits: one List per live epoch instead of ${n} Gets`,
        ),
      2000,
    );
  });
});

test("wait: status checks of exec processes are Tasks.Get calls, at most StatusChecks.CONCURRENCY at a time", () => {
  const sch = scheduler();
  sch.run(() => {
    const ex = fakeExchange(sch, 5);
    const hub = new EventHub(ex.api, hubOptions(sch));
    let inFlight = 0;
    let most = 0;
    let gets = 0;
    const api = {
      get$: () =>
        new Observable((s) => {
          gets++;
          most = Math.max(most, ++inFlight);
          const h = sch.schedule(() => {
            inFlight--;
            s.next({ process: { status: 2, exitStatus: 0, exitedAt: undefined } });
            s.complete();
          }, 10);
          return () => h.unsubscribe();
        }),
      wait$: () => new Observable(() => undefined),
    } as unknown as TasksApi;
    const subs = Array.from({ length: 40 }, (_, i) =>
      new ExitWait(api, hub, { namespace: "ns1", containerId: "c", execId: `e${i}`, pid: () => 0 }).exit$.subscribe(),
    );
    sch.schedule(() => {
      assert.equal(gets, 40, "every exec checked once");
      assert.equal(most, StatusChecks.CONCURRENCY, "bounded");
      for (const s of subs) s.unsubscribe();
    }, 1000);
  });
});
