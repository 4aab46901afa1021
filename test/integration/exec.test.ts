import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { lastValueFrom } from "rxjs";
import {
  Stdio,
  isAlreadyExists,
  isInvalidArgument,
  isNotFound,
  isFailedPrecondition,
  isUnknown,
  type Containerd,
  type Task,
  type Container,
} from "../../src/index.js";
import { BUSYBOX, labClient } from "../support/lab.js";
import { settle } from "../support/settle.js";
import { collect } from "../support/piped.js";

function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

let client: Containerd;
let dispose: () => Promise<void>;
let container: Container;
let task: Task;
before(async () => {
  ({ client, dispose } = await labClient("exec", { image: true }));
  container = await lastValueFrom(client.containers.create$("host", { image: BUSYBOX, args: ["sleep", "600"] }));
  task = await lastValueFrom(container.newTask$());
  await lastValueFrom(task.start$());
});
after(async () => {
  await lastValueFrom(task.delete$({ kill: true }));
  await lastValueFrom(container.delete$());
  await dispose();
});

test("exec sh -c 'exit 6': 6 from wait$ and delete$", async () => {
  const p = await lastValueFrom(task.exec$("six", { args: ["sh", "-c", "exit 6"] }));
  assert.equal(p.id, "six");
  const exit$ = p.wait$();
  const pid = await lastValueFrom(p.start$());
  assert.ok(pid > 0 && p.pid === pid);
  assert.equal((await lastValueFrom(exit$)).code, 6);
  assert.equal((await lastValueFrom(p.status$())).status, "stopped");
  assert.equal((await lastValueFrom(p.delete$())).code, 6);
  const gone = await settle(lastValueFrom(task.loadProcess$("six")));
  assert.ok(isNotFound(gone.error), String(gone.error));
});

test("exec of a missing binary: exec$ succeeds, start$ fails, wait$ does not hang", async () => {
  const p = await lastValueFrom(task.exec$("nobin", { args: ["/no/such/binary"] }));
  const exit$ = p.wait$();
  const started = await settle(lastValueFrom(p.start$()));
  assert.ok(isUnknown(started.error), String(started.error));
  assert.match((started.error as Error).message, /no such file|not found/i);
  const exit = await lastValueFrom(exit$);
  assert.equal(typeof exit.code, "number");
  assert.equal((await lastValueFrom(p.status$())).status, "created");
  await lastValueFrom(p.delete$());
});

test("empty exec id -> InvalidArgumentError without an RPC; duplicate -> AlreadyExistsError", async () => {
  const empty = await settle(lastValueFrom(task.exec$("", { args: ["true"] })));
  assert.ok(isInvalidArgument(empty.error), String(empty.error));
  assert.match((empty.error as Error).message, /exec id must not be empty/);
  const p = await lastValueFrom(task.exec$("dup", { args: ["sleep", "60"] }));
  const dup = await settle(lastValueFrom(task.exec$("dup", { args: ["true"] })));
  assert.ok(isAlreadyExists(dup.error), String(dup.error));
  assert.equal((await lastValueFrom(p.delete$())).code, 0, "a created-never-started exec deletes with code 0");
});

test("a running exec refuses delete; delete({kill}) works; loadProcess$ finds it", async () => {
  const p = await lastValueFrom(task.exec$("runner", { args: ["sleep", "60"] }));
  await lastValueFrom(p.start$());
  const loaded = await lastValueFrom(task.loadProcess$("runner"));
  assert.equal(loaded.pid, p.pid);
  const refused = await settle(lastValueFrom(p.delete$()));
  assert.ok(isFailedPrecondition(refused.error), String(refused.error));
  assert.match((refused.error as Error).message, /process must be stopped before deletion/);
  const pids = await lastValueFrom(task.pids$());
  assert.ok(
    pids.some((x) => x.pid === task.pid),
    "init listed",
  );
  assert.ok(
    pids.some((x) => x.execId === "runner" && x.pid === p.pid),
    "exec listed with its id",
  );
  assert.equal((await lastValueFrom(loaded.delete$({ kill: true }))).code, 137);
});

test("task.kill$ with execId targets the exec only", async () => {
  const p = await lastValueFrom(task.exec$("victim", { args: ["sleep", "60"] }));
  const exit$ = p.wait$();
  await lastValueFrom(p.start$());
  await lastValueFrom(task.kill$(9, { execId: "victim" }));
  assert.equal((await lastValueFrom(exit$)).code, 137);
  assert.equal((await lastValueFrom(task.status$())).status, "running");
  await lastValueFrom(p.delete$());
});

test("unknown signals are rejected client-side", async () => {
  for (const s of ["SIGNOPE", 0, 65, "RTMAX-40"]) {
    const r = await settle(lastValueFrom(task.kill$(s)));
    assert.ok(isInvalidArgument(r.error), `${String(s)}: ${String(r.error)}`);
  }
  assert.equal((await lastValueFrom(task.status$())).status, "running");
});

test("an exec whose background child keeps stdout open: delete$ completes (bounded drain, DeleteProcess, EOF), with the output", async () => {
  const p = await lastValueFrom(task.exec$("bg", { args: ["sh", "-c", "sleep 600 & echo hi"] }, { io: Stdio.pipe() }));
  const out = collect(p.stdout$);
  const exit$ = p.wait$();
  await lastValueFrom(p.start$());
  assert.equal((await within(lastValueFrom(exit$), 10_000, "the exec exits")).code, 0);
  const del = await within(lastValueFrom(p.delete$()), 15_000, "delete$ of an exec whose child holds stdout");
  assert.equal(del.code, 0);
  assert.equal((await within(out, 5_000, "stdout$ completes after the delete")).toString(), "hi\n");
  const gone = await settle(lastValueFrom(task.loadProcess$("bg")));
  assert.ok(isNotFound(gone.error), String(gone.error));
});

test("an exec whose background child keeps writing every 0.2 s: delete$ still completes", async () => {
  const p = await lastValueFrom(
    task.exec$(
      "ticker",
      { args: ["sh", "-c", "(while true; do echo tick; sleep 0.2; done) & echo started"] },
      { io: Stdio.pipe() },
    ),
  );
  const out = collect(p.stdout$);
  const exit$ = p.wait$();
  await lastValueFrom(p.start$());
  await within(lastValueFrom(exit$), 10_000, "the exec exits");
  await within(lastValueFrom(p.delete$()), 15_000, "delete$ of an exec whose child keeps writing");
  // The background loop may print its first tick before the foreground echo: "started" is a line
  // of the output, not necessarily the first.
  assert.match((await within(out, 5_000, "stdout$ completes after the delete")).toString(), /(^|\n)started\n/);
});

test("an exec writing 2 MiB into a slow Stdio.streams Writable: delete$ right after the exit loses nothing", async () => {
  let received = 0;
  const slow = new Writable({
    highWaterMark: 16 * 1024,
    write(chunk: Buffer, _enc, cb) {
      received += chunk.length;
      setTimeout(cb, 2);
    },
  });
  const p = await lastValueFrom(
    task.exec$("slow", { args: ["sh", "-c", "head -c 2097152 /dev/zero"] }, { io: Stdio.streams({ stdout: slow }) }),
  );
  const exit$ = p.wait$();
  await lastValueFrom(p.start$());
  await within(lastValueFrom(exit$), 60_000, "the exec exits");
  await within(lastValueFrom(p.delete$()), 60_000, "delete$");
  assert.equal(received, 2 * 1024 * 1024, "every byte reached the Writable");
});
