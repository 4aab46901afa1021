import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { TestScheduler } from "rxjs/testing";
import { TaskExit } from "../../generated/github.com/containerd/containerd/api/events/task.js";
import {
  backoffDelay,
  Containerd,
  decodeEnvelope,
  filterOf,
  isEvent,
  InvalidArgumentError,
  parseFilter,
  quoteFilterValue,
  retryWithBackoff,
  scopeFilters,
  type Envelope,
  type KnownEventTypeUrl,
} from "../../src/index.js";

test("filters: containerd's own examples parse or fail as upstream", () => {
  const ok = [
    'topic=="/tasks/exit"',
    'topic~="^/tasks/"',
    'namespace==default,topic=="/tasks/exit"',
    "event.container_id==demo-exit7",
    "topic~=|^/containers/|",
    'labels."more complex label"==x',
    "other~=/[abc]{1,2}/,name!=foo",
    "labels.foo",
    "name==bar,labels.bar",
    "labels.foo==omg_asdf.asdf-qwer",
    'other=="too complex, yo"',
    "",
    'labels."more complex label with \\\\ and \\""==present',
  ];
  for (const f of ok) assert.ok(Array.isArray(parseFilter(f)), f);
  const bad = [
    "name==foo,",
    "labels.",
    "topic==",
    "labels.|foo|==omg_asdf.asdf-qwer",
    'labels.?"x"==present',
    "topic==/tasks/exit",
    "a b",
    'x=="\\q"',
    'x=="open',
    "x===y",
    "x=~y",
  ];
  for (const f of bad) assert.ok(parseFilter(f) instanceof InvalidArgumentError, f);
  assert.deepEqual(parseFilter('labels."a b"==x,topic~=|^/t|'), [
    { fieldpath: ["labels", "a b"], operator: "==", value: "x" },
    { fieldpath: ["topic"], operator: "~=", value: "^/t" },
  ]);
});

test("filterOf quotes values; scopeFilters ANDs the namespace", () => {
  assert.equal(
    filterOf({ topic: "/tasks/exit", "event.container_id": "a,b c" }),
    'topic=="/tasks/exit",event.container_id=="a,b c"',
  );
  assert.throws(() => filterOf({ "bad path": "x" }), InvalidArgumentError);
  assert.deepEqual(scopeFilters([], "ns"), ['namespace=="ns"']);
  assert.deepEqual(scopeFilters(["topic==x", ""], "ns"), ['namespace=="ns",topic==x', 'namespace=="ns"']);
});

test("fuzz: parseFilter never throws and never hangs; quoted values round-trip", () => {
  fc.assert(
    fc.property(fc.string({ unit: "binary", maxLength: 60 }), (s) => {
      const r = parseFilter(s);
      assert.ok(Array.isArray(r) || r instanceof InvalidArgumentError);
    }),
    { numRuns: 3000 },
  );
  fc.assert(
    fc.property(fc.string({ unit: "binary", maxLength: 40 }), (v) => {
      const r = parseFilter(`labels.x==${quoteFilterValue(v)}`);
      assert.ok(Array.isArray(r), `${JSON.stringify(v)}: ${String(r)}`);
      assert.equal(r[0]?.value, v);
    }),
    { numRuns: 3000 },
  );
});

test("decodeEnvelope: typed for known URLs, raw for unknown ones and for garbage", () => {
  const exit = TaskExit.encode(TaskExit.fromPartial({ containerId: "c", id: "c", pid: 5, exitStatus: 3 })).finish();
  const e: Envelope = decodeEnvelope({
    timestamp: new Date(1),
    namespace: "n",
    topic: "/tasks/exit",
    event: { typeUrl: "containerd.events.TaskExit", value: exit },
  });
  assert.ok(e.decoded);
  switch (e.typeUrl) {
    case "containerd.events.TaskExit":
      assert.equal(e.event.exitStatus, 3); // compiles only if the union narrows
      break;
    default:
      assert.fail("not narrowed to TaskExit");
  }
  assert.ok(isEvent(e, "containerd.events.TaskExit") && e.event.pid === 5);
  assert.ok(!isEvent(e, "containerd.events.TaskOOM"));
  const u = decodeEnvelope({
    timestamp: undefined,
    namespace: "n",
    topic: "/x",
    event: { typeUrl: "example.com/Custom", value: new Uint8Array([1, 2]) },
  });
  assert.equal(u.decoded, false);
  assert.deepEqual([...(u.event as Uint8Array)], [1, 2]);
  const g = decodeEnvelope({
    timestamp: undefined,
    namespace: "n",
    topic: "/tasks/exit",
    event: { typeUrl: "containerd.events.TaskExit", value: new Uint8Array([0xff, 0xff, 0xff]) },
  });
  assert.equal(g.decoded, false, "undecodable payload arrives raw");
});

test("fuzz: decodeEnvelope never throws for any type URL and bytes", () => {
  const urls = fc.constantFrom(
    "containerd.events.TaskExit",
    "containerd.events.ContainerCreate",
    "containerd.services.images.v1.ImageCreate",
    "containerd.events.SnapshotPrepare",
    "nope",
    "",
  );
  fc.assert(
    fc.property(urls, fc.uint8Array({ maxLength: 64 }), (typeUrl, value) => {
      const e = decodeEnvelope({ timestamp: undefined, namespace: "", topic: "", event: { typeUrl, value } });
      assert.equal(typeof e.decoded, "boolean");
    }),
    { numRuns: 5000 },
  );
});

test("fuzz: events$ with random filters errors with InvalidArgumentError and no RPC exactly when a filter does not parse", () => {
  const client = new Containerd({ address: "/nonexistent/rxcontainerd.sock", namespace: "ns" });
  const filterString = fc.oneof(
    fc.string({ unit: "binary", maxLength: 40 }),
    fc.constantFrom('topic=="/tasks/exit"', "labels.", "name==foo,", 'x=="\\q"', ""),
  );
  fc.assert(
    fc.property(fc.array(filterString, { maxLength: 3 }), fc.boolean(), (filters, scoped) => {
      const started = client.callStats.started;
      let error: unknown;
      const sub = (scoped ? client.namespaceEvents$(filters) : client.events$(filters)).subscribe({
        error: (e: unknown) => (error = e),
      });
      sub.unsubscribe(); // a valid subscription's call is cancelled at once
      const bad = filters.some((f) => !Array.isArray(parseFilter(f)));
      assert.equal(error instanceof InvalidArgumentError, bad, `${JSON.stringify(filters)}: ${String(error)}`);
      if (bad) assert.equal(client.callStats.started, started, "no RPC for a bad filter");
      else assert.equal(error, undefined);
    }),
    { numRuns: 1000 },
  );
  client.close();
});

test("fuzz: decodeEnvelope never throws for any type URL (prototype keys included), bytes or missing payload", () => {
  const known: string[] = [
    "containerd.events.TaskExit",
    "containerd.events.TaskCreate",
    "containerd.events.ContainerUpdate",
    "containerd.services.images.v1.ImageUpdate",
    "containerd.events.NamespaceUpdate",
    "containerd.events.SnapshotCommit",
  ] satisfies KnownEventTypeUrl[];
  const prototypeKeys = ["__proto__", "constructor", "toString", "hasOwnProperty", "valueOf"];
  const urls = fc.oneof(fc.constantFrom(...known, ...prototypeKeys), fc.string({ unit: "binary", maxLength: 60 }));
  const payload = fc.option(fc.record({ typeUrl: urls, value: fc.uint8Array({ maxLength: 96 }) }), { nil: undefined });
  fc.assert(
    fc.property(payload, fc.string({ maxLength: 10 }), (event, topic) => {
      const e = decodeEnvelope({ timestamp: undefined, namespace: "n", topic, event });
      assert.equal(e.topic, topic);
      assert.ok(e.timestamp instanceof Date);
      if (e.decoded) assert.ok(known.includes(e.typeUrl), `decoded an unknown type URL ${JSON.stringify(e.typeUrl)}`);
      else assert.deepEqual([...e.event], [...(event?.value ?? [])], "undecoded payloads arrive as the original bytes");
    }),
    { numRuns: 5000 },
  );
});

test("backoff: exponential, capped, jittered; marble-tested retries with the attempt count reset on success", () => {
  assert.deepEqual(
    [1, 2, 3, 4, 10].map((n) => backoffDelay(n, { jitter: 0 })),
    [100, 200, 400, 800, 5000],
  );
  assert.equal(backoffDelay(1, { jitter: 0.5, random: () => 0 }), 50);
  assert.equal(backoffDelay(1, { jitter: 0.5, random: () => 0.999999 }), 150);
  new TestScheduler((a, b) => assert.deepEqual(a, b)).run(({ cold, expectObservable, expectSubscriptions }) => {
    const source = cold("-#");
    const out = source.pipe(retryWithBackoff({ initialDelayMs: 2, multiplier: 2, jitter: 0, maxRetries: 2 }));
    // fail at 1, wait 2 -> resubscribe at 3, fail at 4, wait 4 -> resubscribe at 8, fail at 9: give up.
    expectObservable(out).toBe("---------#");
    expectSubscriptions(source.subscriptions).toBe(["^!", "---^!", "--------^!"]);
  });
});
