import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { config, firstValueFrom, lastValueFrom, of, take, toArray, Subject } from "rxjs";
import {
  Code,
  Containerd,
  ContainerdError,
  classForStatus,
  type ContainerdErrorClass,
  isCanceled,
  isDeadlineExceeded,
  AbortedError,
  AlreadyExistsError,
  CanceledError,
  ConflictError,
  DataLossError,
  DeadlineExceededError,
  FailedPreconditionError,
  InternalError,
  InvalidArgumentError,
  NotFoundError,
  NotImplementedError,
  NotModifiedError,
  OutOfRangeError,
  PermissionDeniedError,
  ResourceExhaustedError,
  UnauthenticatedError,
  UnavailableError,
  UnknownError,
} from "../../src/index.js";
import { connect } from "../../src/services/connect.js";
import { GetRequest } from "../../generated/github.com/containerd/containerd/api/services/tasks/v1/tasks.js";
import { CollectMethod, startFakeDaemon, type FakeDaemon } from "../support/fake-daemon.js";

let fake: FakeDaemon;
let client: Containerd;
before(async () => {
  fake = await startFakeDaemon();
  client = new Containerd({ address: fake.address, namespace: "ns1" });
});
after(async () => {
  client.close();
  await fake.close();
});

/** Errors from a subscription, or the value it emitted. */
function outcome<T>(obs: import("rxjs").Observable<T>): Promise<{ value?: T; error?: unknown }> {
  return lastValueFrom(obs).then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
}

describe("status codes map to containerd error classes", () => {
  const expected: [string, ContainerdErrorClass, Code][] = [
    ["code-1", CanceledError, Code.Canceled],
    ["code-2", UnknownError, Code.Unknown],
    ["code-3", InvalidArgumentError, Code.InvalidArgument],
    ["code-4", DeadlineExceededError, Code.DeadlineExceeded],
    ["code-5", NotFoundError, Code.NotFound],
    ["code-6", AlreadyExistsError, Code.AlreadyExists],
    ["code-7", PermissionDeniedError, Code.PermissionDenied],
    ["code-8", ResourceExhaustedError, Code.ResourceExhausted],
    ["code-9", FailedPreconditionError, Code.FailedPrecondition],
    ["code-9-conflict", ConflictError, Code.FailedPrecondition],
    ["code-9-notmodified", NotModifiedError, Code.FailedPrecondition],
    ["code-10", AbortedError, Code.Aborted],
    ["code-11", OutOfRangeError, Code.OutOfRange],
    ["code-12", NotImplementedError, Code.Unimplemented],
    ["code-13", InternalError, Code.Internal],
    ["code-14", UnavailableError, Code.Unavailable],
    ["code-15", DataLossError, Code.DataLoss],
    ["code-16", UnauthenticatedError, Code.Unauthenticated],
  ];
  for (const [id, cls, code] of expected) {
    test(`${id} -> ${cls.name}`, async () => {
      const { error } = await outcome(client.services.tasks.get$({ containerId: id }));
      assert.ok(error instanceof cls, `got ${String(error)}`);
      assert.ok(ContainerdError.is(error));
      assert.equal(error.code, code);
      assert.equal(error.method, "/containerd.services.tasks.v1.Tasks/Get");
      assert.match(error.message, /^\[\w+\] boom/);
      assert.equal(error.details.length, 1);
      assert.equal(error.details[0]?.typeUrl, "type.googleapis.com/test.Detail");
      assert.deepEqual([...(error.details[0]?.value ?? [])], [1, 2, 3]);
      assert.deepEqual(error.metadata["x-trailer"], ["t1"]);
    });
  }

  test("classForStatus agrees with containerd 2.x for bare and suffixed messages", () => {
    assert.equal(classForStatus(9, "conflict"), ConflictError);
    assert.equal(classForStatus(9, "x: not modified"), NotModifiedError);
    assert.equal(classForStatus(9, "x: conflict: y"), FailedPreconditionError);
    assert.equal(classForStatus(0, "ok?"), UnknownError);
    assert.equal(classForStatus(99, ""), UnknownError);
  });
});

describe("cold, metadata, deadlines", () => {
  test("nothing is sent until subscribe; each subscription is its own call", async () => {
    const before = fake.seen.filter((s) => s.method === "version").length;
    const v$ = client.services.version.version$();
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(fake.seen.filter((s) => s.method === "version").length, before);
    await lastValueFrom(v$);
    await lastValueFrom(v$);
    assert.equal(fake.seen.filter((s) => s.method === "version").length, before + 2);
  });

  test("namespace header from the client, overridden per call; lease and extra metadata sent", async () => {
    const r1 = await lastValueFrom(client.services.tasks.get$({ containerId: "ok" }));
    assert.equal(r1.process?.id, "ns1");
    const r2 = await lastValueFrom(client.withNamespace("other").services.tasks.get$({ containerId: "ok" }));
    assert.equal(r2.process?.id, "other");
    await lastValueFrom(
      client.services.tasks.get$(
        { containerId: "ok" },
        { namespace: "ns3", lease: "lease-1", metadata: { "x-extra": ["a", "b"] } },
      ),
    );
    const last = fake.seen.at(-1);
    assert.deepEqual(last?.metadata["containerd-namespace"], ["ns3"]);
    assert.deepEqual(last?.metadata["containerd-lease"], ["lease-1"]);
    assert.deepEqual(last?.metadata["x-extra"], ["a, b"], "HTTP/2 joins repeated headers");
  });

  test("timeoutMs reaches the server as the gRPC deadline", async () => {
    const start = Date.now();
    await lastValueFrom(client.services.tasks.get$({ containerId: "ok" }, { timeoutMs: 30_000 }));
    const deadline = fake.seen.at(-1)?.deadline ?? NaN;
    assert.ok(Number.isFinite(deadline), "server saw no deadline");
    assert.ok(deadline > start && deadline <= Date.now() + 30_000, `deadline ${deadline - start} ms after start`);
    await lastValueFrom(client.services.tasks.get$({ containerId: "ok" }));
    assert.equal(fake.seen.at(-1)?.deadline, Infinity, "no timeoutMs -> no deadline");
  });

  test("an expired deadline errors with DeadlineExceededError", async () => {
    const { error } = await outcome(client.services.tasks.get$({ containerId: "hang" }, { timeoutMs: 50 }));
    assert.ok(isDeadlineExceeded(error), String(error));
  });

  test("invalid timeoutMs is an InvalidArgumentError through the error channel, no call made", async () => {
    const n = fake.seen.length;
    const { error } = await outcome(client.services.tasks.get$({ containerId: "ok" }, { timeoutMs: -1 }));
    assert.ok(error instanceof InvalidArgumentError);
    assert.equal(fake.seen.length, n);
  });
});

describe("cancellation", () => {
  test("unsubscribing a unary call cancels it on the server; nothing is emitted", async () => {
    const events: string[] = [];
    const waits = fake.seen.filter((s) => s.method === "wait").length;
    const sub = client.services.tasks.wait$({ containerId: "x" }).subscribe({
      next: () => events.push("next"),
      error: () => events.push("error"),
      complete: () => events.push("complete"),
    });
    while (fake.seen.filter((s) => s.method === "wait").length === waits) await new Promise((r) => setTimeout(r, 5));
    const cancelled = fake.nextCancel();
    sub.unsubscribe();
    assert.equal(await cancelled, "wait");
    await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(events, [], "the CANCELLED we caused must be swallowed");
  });

  test("unsubscribing a server stream (take) cancels it on the server", async () => {
    const cancelled = fake.nextCancel();
    const got = await lastValueFrom(client.services.events.subscribe$({ filters: [] }).pipe(take(2), toArray()));
    assert.deepEqual(
      got.map((e) => e.topic),
      ["/test/0", "/test/1"],
    );
    assert.equal(await cancelled, "subscribe");
  });

  test("a server stream that ends completes the Observable", async () => {
    const got = await lastValueFrom(client.services.events.subscribe$({ filters: ["finite"] }).pipe(toArray()));
    assert.equal(got.length, 3);
  });

  test("an AbortSignal cancels the call on the server and errors with CanceledError", async () => {
    const ac = new AbortController();
    const waits = fake.seen.filter((s) => s.method === "wait").length;
    const p = outcome(client.services.tasks.wait$({ containerId: "x" }, { signal: ac.signal }));
    while (fake.seen.filter((s) => s.method === "wait").length === waits) await new Promise((r) => setTimeout(r, 5));
    const cancelled = fake.nextCancel();
    ac.abort(new Error("user gave up"));
    const { error } = await p;
    assert.ok(isCanceled(error), String(error));
    assert.match((error as Error).message, /user gave up/);
    assert.equal(await cancelled, "wait");
  });

  test("the CANCELLED status that follows our own cancel is swallowed: no late error reaches rxjs (unsubscribe, take, abort)", async () => {
    // A subscriber that has gone cannot show a late error; rxjs hands it to onStoppedNotification.
    const late: string[] = [];
    const previous = config.onStoppedNotification;
    config.onStoppedNotification = (n) => {
      if (n.kind === "E") late.push(String(n.error));
    };
    try {
      const count = () => fake.seen.filter((s) => s.method === "wait").length;
      const waits = count();
      const sub = client.services.tasks.wait$({ containerId: "x" }).subscribe();
      const ac = new AbortController();
      const aborted = outcome(client.services.tasks.wait$({ containerId: "y" }, { signal: ac.signal }));
      for (const end = Date.now() + 5000; count() < waits + 2;) {
        if (Date.now() > end) assert.fail("the server did not see both Wait calls within 5 s");
        await new Promise((r) => setTimeout(r, 5));
      }
      sub.unsubscribe();
      ac.abort(new Error("user gave up"));
      assert.ok(isCanceled((await aborted).error));
      await lastValueFrom(client.services.events.subscribe$({ filters: [] }).pipe(take(1)));
      // Causal barrier: a later round trip on the same channel has completed, so the cancelled
      // calls' statuses have been processed by now.
      await lastValueFrom(client.services.version.version$());
      await lastValueFrom(client.services.version.version$());
      assert.deepEqual(late, [], "a CANCELLED we caused was reported to a subscriber that had gone");
    } finally {
      config.onStoppedNotification = previous;
    }
  });

  test("an already-aborted signal errors with CanceledError and issues no RPC", async () => {
    const n = fake.seen.length;
    const { error } = await outcome(client.services.tasks.get$({ containerId: "ok" }, { signal: AbortSignal.abort() }));
    assert.ok(error instanceof CanceledError);
    assert.equal(fake.seen.length, n);
  });
});

describe("streaming requests", () => {
  test("bidi: every request is sent, every response emitted, completion half-closes", async () => {
    const chunks = [Buffer.from("abc"), Buffer.from("defg")];
    const res = await lastValueFrom(
      client.services.content
        .write$(of(...chunks.map((data) => ({ action: 2, ref: "r", total: 7, data }))))
        .pipe(toArray()),
    );
    assert.deepEqual(
      res.map((r) => r.offset.toNumber()),
      [3, 7],
    );
  });

  test("client streaming: the single response after the source completes", async () => {
    const { rpc, close } = connect({ address: fake.address }, { namespace: "ns1" });
    const collect$ = rpc.clientStream(CollectMethod, GetRequest);
    const res = await lastValueFrom(collect$(of({ containerId: "a" }, { containerId: "b" })));
    assert.deepEqual(res, { containerId: "a,b", execId: "2" });
    close();
  });

  test("an erroring request source cancels the call and reports the error", async () => {
    const { rpc, close } = connect({ address: fake.address }, { namespace: "ns1" });
    const collect$ = rpc.clientStream(CollectMethod, GetRequest);
    const src = new Subject<{ containerId: string }>();
    const calls = () => fake.seen.filter((s) => s.method === "collect").length;
    const before = calls();
    const p = outcome(collect$(src));
    while (calls() === before) {
      src.next({ containerId: "a" });
      await new Promise((r) => setTimeout(r, 5));
    }
    const cancelled = fake.nextCancel();
    src.error(new Error("source failed"));
    const { error } = await p;
    assert.ok(ContainerdError.is(error));
    assert.match(error.message, /source failed/);
    assert.equal(await cancelled, "collect");
    close();
  });
});

describe("errors", () => {
  test("carry the caller's stack and the RPC path", async () => {
    const { error } = await outcome(client.services.tasks.get$({ containerId: "code-5" }));
    const stack = (error as Error).stack ?? "";
    assert.match(stack, /^NotFoundError: \[NotFound\] boom/);
    assert.match(stack, /at rpc \/containerd\.services\.tasks\.v1\.Tasks\/Get/);
    assert.match(stack, /rpc\.test\.(ts|js)/, "the stack must point at the test that made the call");
  });

  test("grpc-js's own caller-stack capture is skipped (the adapter's replaces it); Error.stackTraceLimit is kept", async () => {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 17;
    try {
      const { error } = await outcome(client.services.tasks.get$({ containerId: "code-5" }));
      assert.equal(Error.stackTraceLimit, 17, "the caller's limit is restored");
      assert.match((error as Error).stack ?? "", /rpc\.test\.(ts|js)/, "the adapter's call site is kept");
      const cause = (error as Error).cause as Error;
      // grpc-js appends "for call at" and the stack it captured in makeUnaryRequest: none here.
      assert.match(cause.stack ?? "", /for call at\nno stack trace available$/, "grpc-js captured no caller stack");
    } finally {
      Error.stackTraceLimit = limit;
    }
  });

  test("an unreachable daemon errors with UnavailableError", async () => {
    const dead = new Containerd({ address: "/nonexistent/rxc.sock" });
    const { error } = await outcome(dead.version$());
    assert.ok(error instanceof UnavailableError, String(error));
    assert.equal(await firstValueFrom(dead.isServing$()), false);
    dead.close();
  });
});
