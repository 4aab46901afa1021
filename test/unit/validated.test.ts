import { test } from "node:test";
import assert from "node:assert/strict";
import { TestScheduler } from "rxjs/testing";
import { InvalidArgumentError } from "../../src/index.js";
import { validated } from "../../src/observables/validated.js";

const scheduler = () => new TestScheduler((actual, expected) => assert.deepEqual(actual, expected));

test("valid input subscribes to the inner Observable at subscription time, once", () => {
  scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
    const inner = cold("--a--|");
    const out = validated(() => undefined, () => inner);
    expectObservable(out, "---^-------").toBe("-----a--|");
    expectSubscriptions(inner.subscriptions).toBe("---^----!");
  });
});

test("invalid input errors at once and never subscribes to the inner Observable (no RPC)", () => {
  scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
    const inner = cold("--a--|");
    const err = new InvalidArgumentError("bad id");
    const out = validated(() => err, () => inner);
    expectObservable(out).toBe("#", undefined, err);
    expectSubscriptions(inner.subscriptions).toBe([]);
  });
});

test("unsubscribing early unsubscribes the inner Observable (cancels the call)", () => {
  scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
    const inner = cold("-----a--|");
    expectObservable(validated(() => undefined, () => inner), "^--!").toBe("----");
    expectSubscriptions(inner.subscriptions).toBe("^--!");
  });
});
