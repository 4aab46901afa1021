import { test } from "node:test";
import assert from "node:assert/strict";
import { isInvalidArgument, isNotImplemented, Stdio, type IOTarget } from "../../src/index.js";

const target: IOTarget = { namespace: "ns", containerId: "c", execId: "", closeStdin: async () => undefined };
const rejection = async (p: Promise<unknown>): Promise<unknown> =>
  p.then(
    () => assert.fail("resolved"),
    (e: unknown) => e,
  );

test("log IO: paths and URIs are validated when the IO is created (so newTask$ errors, nothing throws)", async () => {
  assert.deepEqual((await Stdio.logFile("/var/log/x.log").create(target)).config, {
    stdin: "",
    stdout: "file:///var/log/x.log",
    stderr: "file:///var/log/x.log",
    terminal: false,
  });
  assert.equal(
    (await Stdio.binary("/usr/bin/logger", { tag: "a b" }).create(target)).config.stdout,
    "binary:///usr/bin/logger?tag=a+b",
  );
  assert.ok(isInvalidArgument(await rejection(Stdio.logFile("relative.log").create(target))));
  assert.ok(isInvalidArgument(await rejection(Stdio.logURI("http://x/y").create(target))));
  assert.ok(isInvalidArgument(await rejection(Stdio.binary("bin/logger").create(target))));
});

test("null IO has no streams: stdout$ errors with FailedPrecondition, wait/close are no-ops", async () => {
  const io = await Stdio.null().create(target);
  assert.deepEqual(io.config, { stdin: "", stdout: "", stderr: "", terminal: false });
  assert.equal(io.stdin, undefined);
  await new Promise<void>((resolve) =>
    io.stdout$.subscribe({
      error: (e: unknown) => {
        assert.match(String(e), /FailedPrecondition/);
        resolve();
      },
    }),
  );
  await io.wait();
  await io.close();
});

test("pipes: a relative fifoDir is an InvalidArgumentError; off Linux, NotImplementedError", async () => {
  assert.ok(isInvalidArgument(await rejection(Stdio.pipe({ fifoDir: "fifo" }).create(target))));
  const platform = Object.getOwnPropertyDescriptor(process, "platform");
  Object.defineProperty(process, "platform", { value: "darwin" });
  try {
    assert.ok(isNotImplemented(await rejection(Stdio.pipe({ fifoDir: "/tmp" }).create(target))));
  } finally {
    if (platform) Object.defineProperty(process, "platform", platform);
  }
});
