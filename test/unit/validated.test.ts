import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { lastValueFrom, type Observable } from "rxjs";
import { TestScheduler } from "rxjs/testing";
import { checkIdentifier, Containerd, InvalidArgumentError } from "../../src/index.js";
import { validated } from "../../src/observables/rx/validated.js";

const scheduler = () => new TestScheduler((actual, expected) => assert.deepEqual(actual, expected));

test("valid input subscribes to the inner Observable at subscription time, once", () => {
  scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
    const inner = cold("--a--|");
    const out = validated(
      () => undefined,
      () => inner,
    );
    expectObservable(out, "---^-------").toBe("-----a--|");
    expectSubscriptions(inner.subscriptions).toBe("---^----!");
  });
});

test("invalid input errors at once and never subscribes to the inner Observable (no RPC)", () => {
  scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
    const inner = cold("--a--|");
    const err = new InvalidArgumentError("bad id");
    const out = validated(
      () => err,
      () => inner,
    );
    expectObservable(out).toBe("#", undefined, err);
    expectSubscriptions(inner.subscriptions).toBe([]);
  });
});

test("unsubscribing early unsubscribes the inner Observable (cancels the call)", () => {
  scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
    const inner = cold("-----a--|");
    expectObservable(
      validated(
        () => undefined,
        () => inner,
      ),
      "^--!",
    ).toBe("----");
    expectSubscriptions(inner.subscriptions).toBe("^--!");
  });
});

test("fuzz: any id is either valid by containerd's rule or an InvalidArgumentError, never a throw", () => {
  // An independent statement of the rule: components of letters and digits, joined by single . _ -
  const valid = (s: string) =>
    s.length > 0 && s.length <= 76 && s.split(/[._-]/).every((part) => /^[A-Za-z0-9]+$/.test(part));
  const ids = fc.oneof(
    fc.string({ unit: "binary", maxLength: 90 }),
    fc.stringMatching(/^[A-Za-z0-9._-]{0,80}$/),
    fc.anything().filter((v) => typeof v !== "string"),
  );
  fc.assert(
    fc.property(ids, (id) => {
      const r = checkIdentifier("container id", id);
      const ok = typeof id === "string" && valid(id);
      assert.equal(r, ok ? undefined : r);
      assert.equal(r instanceof InvalidArgumentError, !ok, `${JSON.stringify(id)}: ${String(r)}`);
    }),
    { numRuns: 5000 },
  );
});

test("fuzz: operations taking an id error with InvalidArgumentError and make no RPC for an invalid one", async () => {
  const client = new Containerd({ address: "/nonexistent/rxcontainerd.sock", namespace: "ns" });
  const ids = fc.oneof(fc.string({ unit: "binary", maxLength: 90 }), fc.stringMatching(/^[A-Za-z0-9._-]{0,80}$/));
  await fc.assert(
    fc.asyncProperty(ids, fc.constantFrom("load", "create", "namespace", "delete"), async (id, op) => {
      const bad = checkIdentifier("id", id) !== undefined;
      const started = client.callStats.started;
      const op$: Observable<unknown> =
        op === "load"
          ? client.containers.load$(id)
          : op === "create"
            ? client.containers.create$(id)
            : op === "namespace"
              ? client.namespaces.get$(id)
              : client.namespaces.delete$(id);
      if (bad) {
        const error = await lastValueFrom(op$).then(
          () => undefined,
          (e: unknown) => e,
        );
        assert.ok(error instanceof InvalidArgumentError, `${op} ${JSON.stringify(id)}: ${String(error)}`);
        assert.equal(client.callStats.started, started, "no RPC");
      } else {
        let error: unknown;
        op$.subscribe({ error: (e: unknown) => (error = e) }).unsubscribe(); // a valid id's call is cancelled at once
        assert.equal(error, undefined, `${op} ${JSON.stringify(id)}: ${String(error)}`);
      }
      if (bad && op === "namespace") assert.throws(() => client.withNamespace(id), InvalidArgumentError);
    }),
    { numRuns: 2000 },
  );
  client.close();
});
