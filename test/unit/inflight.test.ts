import { test } from "node:test";
import assert from "node:assert/strict";
import { lastValueFrom, NEVER, Observable, Subject } from "rxjs";
import { Containerd, isCanceled } from "../../src/index.js";
import { Inflight } from "../../src/observables/client/inflight.js";
import { withCleanup } from "../../src/observables/rx/cleanup.js";

test("Inflight.drain waits for clean-ups (also ones registered while it waits) and reports failures and timeouts", async () => {
  const inflight = new Inflight();
  let finishA = (): void => undefined;
  inflight.cleanup("a", new Promise<void>((r) => (finishA = r)));
  inflight.track("ns", "c1", Promise.resolve());
  let drained = false;
  const drain = inflight.drain(10_000).then((l) => {
    drained = true;
    return l;
  });
  await new Promise((r) => setImmediate(r));
  assert.equal(drained, false, "still waiting for a");
  let finishB = (): void => undefined;
  inflight.cleanup("b (registered during the drain)", new Promise<void>((r) => (finishB = r)));
  finishA();
  await new Promise((r) => setImmediate(r));
  assert.equal(drained, false, "still waiting for b");
  finishB();
  assert.deepEqual(await drain, []);
  assert.equal(inflight.pending, 0);

  inflight.cleanup("fails", Promise.reject(new Error("boom")));
  inflight.cleanup("hangs", new Promise<void>(() => undefined));
  const leftovers = await inflight.drain(20);
  assert.deepEqual(
    leftovers.map((l) => [l.what, l.reason]),
    [
      ["fails", "failed"],
      ["hangs", "timeout"],
    ],
  );
  assert.match(String(leftovers[0]?.error?.message), /boom/);
  assert.deepEqual(
    (await inflight.drain(0)).map((l) => l.what),
    ["hangs"],
    "a failure is reported once",
  );
});

test("withCleanup's track hook gets a promise per clean-up that settles when the clean-up ends (rejects with its error)", async () => {
  const tracked: Promise<void>[] = [];
  const cleanup$ = new Subject<never>();
  const sub = withCleanup(
    NEVER,
    () => cleanup$,
    (done) => tracked.push(done),
  ).subscribe();
  assert.equal(tracked.length, 0, "no clean-up before the body ends");
  sub.unsubscribe();
  assert.equal(tracked.length, 1, "the unsubscribe started the clean-up");
  let settled = false;
  void tracked[0]?.then(() => (settled = true));
  await new Promise((r) => setImmediate(r));
  assert.equal(settled, false);
  cleanup$.complete();
  await tracked[0];

  const failing = withCleanup(
    NEVER,
    () => new Observable<never>((s) => s.error(new Error("cleanup failed"))),
    (done) => tracked.push(done),
  ).subscribe();
  failing.unsubscribe();
  await assert.rejects(tracked[1] ?? Promise.resolve(), /cleanup failed/);
});

test("close$(): one report for every caller, then every call is CanceledError without an RPC; a bad timeout is InvalidArgumentError", async () => {
  const client = new Containerd({ address: "/nonexistent/rxc-close.sock" });
  await assert.rejects(lastValueFrom(client.close$({ timeoutMs: -1 })), /InvalidArgument/);
  const [a, b] = await Promise.all([lastValueFrom(client.close$()), lastValueFrom(client.close$({ timeoutMs: 1 }))]);
  assert.deepEqual(a, { clean: true, leftovers: [] });
  assert.equal(a, b, "the same close");
  const error = await lastValueFrom(client.version$()).then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(isCanceled(error), String(error));
  assert.equal(client.callStats.started, 0);
  await client[Symbol.asyncDispose](); // idempotent
});
