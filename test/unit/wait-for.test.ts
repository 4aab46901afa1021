import { test } from "node:test";
import assert from "node:assert/strict";
import { waitFor } from "../support/wait-for.js";

test("waitFor resolves with the first truthy value of a sync or async condition", async () => {
  let n = 0;
  assert.equal(await waitFor(() => (++n >= 3 ? n : 0), { message: "n reaches 3", intervalMs: 1 }), 3);
  assert.equal(await waitFor(async () => "ok", { message: "async" }), "ok");
});

test("waitFor fails with its message after the bound instead of hanging", async () => {
  const started = Date.now();
  await assert.rejects(
    waitFor(() => false, { message: "never true", timeoutMs: 50, intervalMs: 5 }),
    /waitFor: never true \(not within 50 ms/,
  );
  assert.ok(Date.now() - started < 5_000, "gave up near its bound");
});
