import { test } from "node:test";
import assert from "node:assert/strict";
import {
  CanceledError,
  Code,
  ContainerdError,
  NotFoundError,
  UnknownError,
  ConflictError,
  isContainerdError,
  isNotFound,
  isConflict,
  isFailedPrecondition,
  isUnknown,
} from "../../src/index.js";

test("message is prefixed with the class; rawMessage is the daemon's text", () => {
  const e = new NotFoundError('container "x": not found');
  assert.equal(e.message, '[NotFound] container "x": not found');
  assert.equal(e.rawMessage, 'container "x": not found');
  assert.equal(e.name, "NotFoundError");
  assert.equal(e.code, Code.NotFound);
  assert.equal(e.kind, "not-found");
  assert.ok(e instanceof ContainerdError && e instanceof Error);
});

test("guards recognise errors from another copy of the package (brand, not instanceof)", () => {
  const foreign = Object.assign(new Error("x"), {
    [Symbol.for("rxcontainerd.ContainerdError")]: true,
    kind: "not-found",
  });
  assert.ok(isNotFound(foreign));
  assert.ok(!isConflict(foreign));
  assert.ok(!isNotFound(new Error("not found")), "plain errors are never containerd errors");
  assert.ok(!isNotFound({ kind: "not-found" }));
});

test("isContainerdError: any kind, from any copy; never a plain error or a look-alike", () => {
  const foreign = Object.assign(new Error("x"), {
    [Symbol.for("rxcontainerd.ContainerdError")]: true,
    kind: "unavailable",
  });
  assert.ok(isContainerdError(foreign));
  assert.ok(isContainerdError(new NotFoundError("x")));
  assert.ok(isContainerdError(new CanceledError("x")));
  assert.ok(!isContainerdError(new Error("[NotFound] x")));
  assert.ok(!isContainerdError({ kind: "not-found", code: 5 }));
  assert.ok(!isContainerdError(undefined));
});

test("Conflict is its own class, not a FailedPrecondition", () => {
  const e = new ConflictError("x: conflict");
  assert.ok(isConflict(e));
  assert.ok(!isFailedPrecondition(e));
  assert.equal(e.code, Code.FailedPrecondition);
});

test("ContainerdError.from maps status-like objects, AbortErrors and anything else", () => {
  const nf = ContainerdError.from({ code: 5, details: "gone: not found" });
  assert.ok(nf instanceof NotFoundError);
  assert.equal(nf.rawMessage, "gone: not found");
  const same = new UnknownError("u");
  assert.equal(ContainerdError.from(same), same);
  const abort = ContainerdError.from(Object.assign(new Error("stop"), { name: "AbortError" }));
  assert.ok(abort instanceof CanceledError);
  const other = ContainerdError.from("weird");
  assert.ok(isUnknown(other));
  assert.equal(other.cause, "weird");
});
