import { test } from "node:test";
import assert from "node:assert/strict";
import { InvalidArgumentError, parseSignal } from "../../src/index.js";

test("signal names and numbers", () => {
  assert.equal(parseSignal("SIGTERM"), 15);
  assert.equal(parseSignal("term"), 15);
  assert.equal(parseSignal("KILL"), 9);
  assert.equal(parseSignal(9), 9);
  assert.equal(parseSignal("9"), 9);
  assert.equal(parseSignal("RTMIN"), 34);
  assert.equal(parseSignal("SIGRTMIN+3"), 37);
  assert.equal(parseSignal("RTMAX"), 64);
  assert.equal(parseSignal("RTMAX-2"), 62);
});

test("unknown signals are InvalidArgumentError values, not throws", () => {
  for (const bad of ["NOPE", "", 0, 65, 1.5, -1, "RTMIN+40"]) {
    assert.ok(parseSignal(bad) instanceof InvalidArgumentError, String(bad));
  }
});
