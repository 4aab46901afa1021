import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { PassThrough, Writable } from "node:stream";
import { fileURLToPath } from "node:url";
import { concat, from, lastValueFrom, mergeMap, of, throwError, toArray } from "rxjs";
import {
  ContainerdError,
  isFailedPrecondition,
  isInvalidArgument,
  isUnknown,
  Stdio,
  type Containerd,
  type Process,
  type Task,
} from "../../src/index.js";
import { BUSYBOX, labClient } from "../support/lab.js";
import { collect, runPiped, startAndCollect, type Collected } from "../support/piped.js";
import { settle } from "../support/settle.js";
import { waitFor } from "../support/wait-for.js";

let client: Containerd;
let dispose: () => Promise<void>;
const fifoDir = (): string => {
  const dir = process.env["CONTAINERD_FIFO_DIR"];
  if (!dir) throw new Error("CONTAINERD_FIFO_DIR is not set (run through scripts/test-all.sh)");
  return dir;
};
const fifoSets = (): string[] => readdirSync(fifoDir()).sort();
let setsBefore: string[];
const openFds = (): number => readdirSync("/proc/self/fd").length;
/** Open fds of this process on a FIFO of the lab's FIFO directory. */
const fifoFds = (): string[] =>
  readdirSync("/proc/self/fd").flatMap((fd) => {
    try {
      const target = readlinkSync(`/proc/self/fd/${fd}`);
      return target.startsWith(fifoDir()) ? [target] : [];
    } catch {
      return [];
    }
  });

/** For an already-running (re-attached) process: collect output until EOF, wait, delete. */
async function startlessCollect(proc: Process): Promise<Collected> {
  const out = collect(proc.stdout$);
  const { code } = await lastValueFrom(proc.wait$());
  await lastValueFrom(proc.delete$());
  return { stdout: await out, stderr: Buffer.alloc(0), code };
}

before(async () => {
  ({ client, dispose } = await labClient("io", { image: true }));
  setsBefore = fifoSets();
});
after(async () => {
  assert.deepEqual(fifoSets(), setsBefore, "every FIFO directory this file made was removed");
  await dispose();
});

test("echo hello: exactly 'hello\\n' on stdout$, nothing on stderr$; the FIFO directory is removed", async () => {
  const r = await runPiped(client, "echo", Stdio.pipe(), { args: ["echo", "hello"] });
  assert.equal(r.stdout.toString(), "hello\n");
  assert.equal(r.stderr.length, 0);
  assert.equal(r.code, 0);
  assert.deepEqual(fifoSets(), setsBefore);
});

test("sh -c 'echo out; echo err >&2' separates the two streams", async () => {
  const r = await runPiped(client, "sep", Stdio.pipe(), { args: ["sh", "-c", "echo out; echo err >&2; exit 3"] });
  assert.deepEqual([r.stdout.toString(), r.stderr.toString(), r.code], ["out\n", "err\n", 3]);
});

test("cat with stdin from an Observable echoes exactly what was sent and exits when it completes", async () => {
  const sent = ["hello ", new Uint8Array([0, 1, 2, 255]), "wörld\n", "x".repeat(200_000)];
  const r = await runPiped(client, "cat", Stdio.pipe({ stdin: from(sent) }), { args: ["cat"] });
  const expected = Buffer.concat(sent.map((s) => (typeof s === "string" ? Buffer.from(s) : Buffer.from(s))));
  assert.equal(r.code, 0);
  assert.equal(r.stdout.length, expected.length);
  assert.ok(r.stdout.equals(expected));
});

test("stdin as a Writable handle: end() closes the process's stdin", async () => {
  const container = await lastValueFrom(client.containers.create$("wc", { image: BUSYBOX, args: ["wc", "-c"] }));
  const task = await lastValueFrom(container.newTask$({ io: Stdio.pipe({ stdin: true }) }));
  assert.ok(task.stdin);
  const out = collect(task.stdout$);
  const exit$ = task.wait$();
  await lastValueFrom(task.start$());
  task.stdin.write("12345");
  task.stdin.end("67890");
  assert.equal((await lastValueFrom(exit$)).code, 0);
  await lastValueFrom(task.delete$());
  await lastValueFrom(container.delete$());
  assert.equal((await out).toString().trim(), "10");
});

test("64 MiB of output arrives complete, byte count exact", async (t) => {
  const started = Date.now();
  const container = await lastValueFrom(
    client.containers.create$("dd", { image: BUSYBOX, args: ["dd", "if=/dev/zero", "bs=1M", "count=64"] }),
  );
  const task = await lastValueFrom(container.newTask$({ io: Stdio.pipe() }));
  let bytes = 0;
  let chunks = 0;
  let nonZero = 0;
  task.stdout$.subscribe((c) => {
    bytes += c.length;
    chunks++;
    if (c.some((b) => b !== 0)) nonZero++;
  });
  const err = collect(task.stderr$);
  const exit$ = task.wait$();
  await lastValueFrom(task.start$());
  assert.equal((await lastValueFrom(exit$)).code, 0);
  await lastValueFrom(task.delete$()); // drains before the delete RPC
  await lastValueFrom(container.delete$());
  assert.equal(bytes, 64 * 1024 * 1024);
  assert.equal(nonZero, 0);
  assert.match((await err).toString(), /64\+0 records out/);
  t.diagnostic(`64 MiB in ${chunks} chunks, ${Date.now() - started} ms`);
});

test("TTY: sh -c 'seq -s \" \" 100000' in a terminal task, 20 times, never truncated", async () => {
  let expected = "";
  for (let i = 1; i <= 100000; i++) expected += i === 1 ? "1" : ` ${i}`;
  expected += "\r\n"; // the terminal's line discipline
  for (let i = 0; i < 20; i++) {
    const r = await runPiped(client, `tty-${i}`, Stdio.terminal(), {
      args: ["sh", "-c", "seq -s ' ' 100000"],
      tty: true,
    });
    assert.equal(r.code, 0);
    assert.equal(r.stderr.length, 0);
    assert.equal(r.stdout.length, expected.length, `run ${i}: ${r.stdout.length} bytes`);
    assert.ok(r.stdout.toString() === expected, `run ${i}: content differs`);
  }
});

test("an exec with piped IO: stdout/stderr separated, stdin from an Observable", async () => {
  const container = await lastValueFrom(client.containers.create$("host", { image: BUSYBOX, args: ["sleep", "600"] }));
  const task = await lastValueFrom(container.newTask$());
  await lastValueFrom(task.start$());
  try {
    const p1 = await lastValueFrom(
      task.exec$("sep", { args: ["sh", "-c", "echo out; echo err >&2; exit 5"] }, { io: Stdio.pipe() }),
    );
    assert.deepEqual(await startAndCollect(p1).then((r) => [r.stdout.toString(), r.stderr.toString(), r.code]), [
      "out\n",
      "err\n",
      5,
    ]);
    const p2 = await lastValueFrom(
      task.exec$("cat", { args: ["cat"] }, { io: Stdio.pipe({ stdin: of("one\n", "two\n") }) }),
    );
    assert.equal((await startAndCollect(p2)).stdout.toString(), "one\ntwo\n");
    const p3 = await lastValueFrom(
      task.exec$("tty", { args: ["sh", "-c", "echo $((6*7)); tty"] }, { io: Stdio.terminal() }),
    );
    const r3 = await startAndCollect(p3);
    assert.match(r3.stdout.toString(), /^42\r\n\/dev\/pts\/\d+\r\n$/);
  } finally {
    await lastValueFrom(task.delete$({ kill: true }));
    await lastValueFrom(container.delete$());
  }
});

test("re-attach across processes: a second Node process reads the task's output and writes its stdin", async () => {
  const child = join(dirname(fileURLToPath(import.meta.url)), "..", "support", "attach-child.js");
  const report = JSON.parse(
    execFileSync(process.execPath, [child, client.namespace, "reattach"], { encoding: "utf8" }),
  ) as { pid: number; seen: string; echoed: string; stdout: string };
  assert.deepEqual([report.seen, report.echoed], ["ready\ngot first\n", "x\n"]);
  const container = await lastValueFrom(client.containers.load$("reattach"));
  const exec = await lastValueFrom(
    (await lastValueFrom(container.task$())).loadProcess$("cat", { attach: Stdio.pipe({ stdin: of("y\n") }) }),
  );
  const e = await startlessCollect(exec);
  assert.deepEqual([e.stdout.toString(), e.code], ["y\n", 0]);
  const task = await lastValueFrom(container.task$({ attach: Stdio.pipe({ stdin: of("second\n", "third\n") }) }));
  assert.equal(task.pid, report.pid);
  assert.equal(task.io?.config.stdout, report.stdout);
  const r = await startlessCollect(task);
  assert.equal(r.stdout.toString(), "got second\ngot third\nbye\n");
  assert.equal(r.code, 0);
  await lastValueFrom(container.delete$());
  assert.deepEqual(fifoSets(), setsBefore, "delete$ removed the re-attached FIFO set");
});

test("attaching to a task whose IO is a log file is an InvalidArgumentError; a non-attached task has no stdout$", async () => {
  const container = await lastValueFrom(client.containers.create$("logged", { image: BUSYBOX, args: ["sleep", "60"] }));
  const task = await lastValueFrom(container.newTask$({ io: Stdio.logFile(`${fifoDir()}/../logged.log`) }));
  try {
    const attached = await settle(lastValueFrom(container.task$({ attach: Stdio.pipe() })));
    assert.ok(isInvalidArgument(attached.error), String(attached.error));
    const plain = await lastValueFrom(container.task$());
    const out = await settle(lastValueFrom(plain.stdout$));
    assert.ok(isFailedPrecondition(out.error), String(out.error));
  } finally {
    await lastValueFrom(task.delete$({ kill: true }));
    await lastValueFrom(container.delete$());
  }
});

test("a log file loses stderr written after stdout has ended (containerd's shim, as docs/io.md says)", async () => {
  // The shim's stdout copy closes the shared file at stdout's end; stderr's copy then fails. This
  // pins the daemon behaviour docs/io.md warns about: if a containerd fixes it, update the docs.
  // The process closes stdout, then waits for /ctl/go; the test creates it once the shim (the
  // process's parent) holds no fd on the log file any more.
  const dir = mkdtempSync(join(dirname(fifoDir()), "logfile-"));
  const path = join(dir, "late.log");
  const container = await lastValueFrom(
    client.containers.create$("late-stderr", {
      image: BUSYBOX,
      mounts: [{ destination: "/ctl", type: "bind", source: dir, options: ["rbind", "ro"] }],
      args: [
        "sh",
        "-c",
        "echo to-stdout; exec 1>&-; i=0; until [ -e /ctl/go ]; do i=$((i+1)); [ $i -ge 1000 ] && exit 99; " +
          "sleep 0.01; done; echo to-stderr >&2; exit 3",
      ],
    }),
  );
  try {
    const task = await lastValueFrom(container.newTask$({ io: Stdio.logFile(path) }));
    const exit$ = task.wait$();
    await lastValueFrom(task.start$());
    const shim = /^PPid:\s*(\d+)$/m.exec(readFileSync(`/proc/${task.pid}/status`, "utf8"))?.[1];
    assert.ok(shim, "the task's parent pid");
    const holdsLog = (): boolean =>
      readdirSync(`/proc/${shim}/fd`).some((fd) => {
        try {
          return readlinkSync(`/proc/${shim}/fd/${fd}`) === path;
        } catch {
          return false;
        }
      });
    await waitFor(() => readFileSync(path, "utf8") === "to-stdout\n" && !holdsLog(), {
      message: `stdout in ${path}, and the shim ${shim} no longer holding it open`,
    });
    writeFileSync(join(dir, "go"), "");
    assert.equal((await lastValueFrom(exit$)).code, 3, "exit 99: the process never saw /ctl/go");
    await lastValueFrom(task.delete$());
    assert.equal(readFileSync(path, "utf8"), "to-stdout\n", "stderr's line was lost");
  } finally {
    await lastValueFrom(container.delete$());
    rmSync(dir, { recursive: true, force: true });
  }
});

test("clean-up: a failed newTask$, an unsubscribed newTask$ and an unsubscribed exec$ leave no FIFO directory and no fd", async () => {
  const fds = openFds();
  const container = await lastValueFrom(
    client.containers.create$("nobin", { image: BUSYBOX, args: ["/no/such/binary"] }),
  );
  const failed = await settle(lastValueFrom(container.newTask$({ io: Stdio.pipe({ stdin: of("x") }) })));
  assert.ok(failed.error, "a missing binary fails at Tasks.Create");
  assert.deepEqual(fifoSets(), setsBefore);
  await lastValueFrom(container.delete$());
  for (const delayMs of [0, 5, 20, 60]) {
    const c = await lastValueFrom(
      client.containers.create$(`unsub-${delayMs}`, { image: BUSYBOX, args: ["sleep", "60"] }),
    );
    let made: Task | undefined; // newTask$ may finish before the unsubscribe: then it is ours to delete
    const sub = c.newTask$({ io: Stdio.pipe({ stdin: true }) }).subscribe((task) => (made = task));
    await new Promise((r) => setTimeout(r, delayMs));
    sub.unsubscribe();
    if (made) await lastValueFrom(made.delete$({ kill: true }));
    await lastValueFrom(c.delete$()); // waits for a rollback (in-flight registry)
  }
  assert.deepEqual(fifoSets(), setsBefore);
  const host = await lastValueFrom(client.containers.create$("exec-host", { image: BUSYBOX, args: ["sleep", "600"] }));
  const task = await lastValueFrom(host.newTask$());
  await lastValueFrom(task.start$());
  for (const delayMs of [0, 5, 20]) {
    let made: Process | undefined;
    const sub = task.exec$(`e${delayMs}`, { args: ["true"] }, { io: Stdio.pipe() }).subscribe((p) => (made = p));
    await new Promise((r) => setTimeout(r, delayMs));
    sub.unsubscribe();
    if (made) await lastValueFrom(made.delete$());
  }
  await lastValueFrom(task.delete$({ kill: true }));
  await lastValueFrom(host.delete$());
  assert.deepEqual(fifoSets(), setsBefore);
  assert.deepEqual(fifoFds(), [], "no FIFO fd left open");
  assert.ok(openFds() <= fds, `no fd leaked: ${openFds()} open, ${fds} before`);
});

test("200 tasks streaming at once; /proc/self/fd is back to its count afterwards", async (t) => {
  const N = Number(process.env["RXC_STREAM_TASKS"] ?? 200);
  const fds = openFds();
  const started = Date.now();
  const script = "read go; seq 1 3000";
  const expected = Array.from({ length: 3000 }, (_, i) => `${i + 1}\n`).join("");
  const ids = Array.from({ length: N }, (_, i) => `s${i}`);
  const tasks = await lastValueFrom(
    from(ids).pipe(
      mergeMap(async (id) => {
        const c = await lastValueFrom(client.containers.create$(id, { image: BUSYBOX, args: ["sh", "-c", script] }));
        const task = await lastValueFrom(c.newTask$({ io: Stdio.pipe({ stdin: true }) }));
        const out = collect(task.stdout$);
        const exit$ = task.wait$();
        await lastValueFrom(task.start$());
        return { c, task, out, exit$ };
      }, 8),
      toArray(),
    ),
  );
  const ready = Date.now();
  t.diagnostic(`${N} tasks created and started in ${ready - started} ms; peak open fds ${openFds()} (before: ${fds})`);
  for (const { task } of tasks) task.stdin?.end("go\n");
  const results = await Promise.all(
    tasks.map(async ({ task, out, exit$ }) => {
      const status = await lastValueFrom(exit$);
      await lastValueFrom(task.delete$());
      return { code: status.code, out: (await out).toString() };
    }),
  );
  t.diagnostic(`all ${N} streamed ${expected.length} bytes each in ${Date.now() - ready} ms`);
  assert.equal(results.filter((r) => r.code === 0 && r.out === expected).length, N);
  await lastValueFrom(
    from(tasks).pipe(
      mergeMap(({ c }) => c.delete$(), 8),
      toArray(),
    ),
  );
  assert.deepEqual(fifoSets(), setsBefore);
  assert.deepEqual(fifoFds(), [], "every FIFO fd was closed");
  assert.ok(openFds() <= fds, `no fd leaked: ${openFds()} open, ${fds} before`);
});

test("nobody reading: the pipe fills and the process blocks; a late subscriber then gets every byte", async () => {
  const container = await lastValueFrom(
    client.containers.create$("blocked", { image: BUSYBOX, args: ["dd", "if=/dev/zero", "bs=64k", "count=160"] }),
  );
  const task = await lastValueFrom(container.newTask$({ io: Stdio.pipe({ stderr: false }) }));
  const exit$ = task.wait$();
  await lastValueFrom(task.start$());
  await new Promise((r) => setTimeout(r, 1000)); // 10 MiB would take dd milliseconds if nothing blocked it
  assert.equal((await lastValueFrom(task.status$())).status, "running", "dd is blocked on the full pipe");
  const out = collect(task.stdout$);
  assert.equal((await lastValueFrom(exit$)).code, 0);
  await lastValueFrom(task.delete$());
  await lastValueFrom(container.delete$());
  assert.equal((await out).length, 160 * 64 * 1024);
});

test("Stdio.streams: a slow Node Writable applies backpressure (RSS stays flat) and gets every byte", async (t) => {
  const total = 256 * 1024 * 1024;
  let received = 0;
  let peakRss = 0;
  const baseRss = process.memoryUsage.rss();
  const slow = new Writable({
    highWaterMark: 64 * 1024,
    write(chunk: Buffer, _enc, done) {
      received += chunk.length;
      setTimeout(done, 1); // a consumer slower than the producer
    },
  });
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage.rss());
  }, 20);
  const started = Date.now();
  try {
    const container = await lastValueFrom(
      client.containers.create$("slow", {
        image: BUSYBOX,
        args: ["dd", "if=/dev/zero", "bs=1M", `count=${total >> 20}`],
      }),
    );
    const task = await lastValueFrom(container.newTask$({ io: Stdio.streams({ stdout: slow }) }));
    const exit$ = task.wait$();
    await lastValueFrom(task.start$());
    assert.equal((await lastValueFrom(exit$)).code, 0);
    await lastValueFrom(task.delete$()); // waits until the slow Writable took the last chunk
    await lastValueFrom(container.delete$());
  } finally {
    clearInterval(sampler);
  }
  await new Promise<void>((resolve) => (slow.writableLength === 0 ? resolve() : slow.once("drain", () => resolve())));
  assert.equal(received, total);
  const growth = (peakRss - baseRss) / 1048576;
  t.diagnostic(
    `256 MiB through a slow Writable in ${Date.now() - started} ms; RSS ${(baseRss / 1048576).toFixed(0)} MiB -> peak ${(peakRss / 1048576).toFixed(0)} MiB (+${growth.toFixed(1)} MiB)`,
  );
  // Without backpressure the 256 MiB would pile up in this process (RSS + 256 MiB or more). With it,
  // only the pipes' and streams' windows are held: a generous bound, far from both.
  assert.ok(growth < 96, `RSS grew by ${growth.toFixed(0)} MiB while 256 MiB went through a slow Writable`);
});

test("run$ with Stdio.pipe(): output events between started and exited, and the FIFO set is removed", async () => {
  const events = await lastValueFrom(
    client
      .run$("run-piped", {
        image: BUSYBOX,
        args: ["sh", "-c", "cat; echo oops >&2; exit 4"],
        io: Stdio.pipe({ stdin: of("via stdin\n") }),
      })
      .pipe(toArray()),
  );
  const kinds = events.map((e) => (e.type === "output" ? "output" : e.type));
  assert.deepEqual([kinds[0], kinds[1], kinds.at(-1)], ["created", "started", "exited"]);
  const text = (stream: string) =>
    events.map((e) => (e.type === "output" && e.stream === stream ? e.data.toString() : "")).join("");
  assert.deepEqual([text("stdout"), text("stderr")], ["via stdin\n", "oops\n"]); // the two streams are not ordered relative to each other
  const exited = events.at(-1);
  assert.equal(exited?.type === "exited" ? exited.status.code : -1, 4);
  assert.deepEqual(fifoSets(), setsBefore);
});

test("a FIFO base directory with spaces, quotes and $(…) in its name: nothing goes through a shell", async () => {
  const odd = join(fifoDir(), `odd dir 'q' "dq" $(touch pwned) ;x`);
  try {
    const r = await runPiped(client, "odd", Stdio.pipe({ fifoDir: odd }), { args: ["echo", "fine"] });
    assert.equal(r.stdout.toString(), "fine\n");
    assert.deepEqual(readdirSync(odd), [], "the FIFO set inside it was removed");
    assert.ok(!readdirSync(process.cwd()).includes("pwned"));
  } finally {
    rmSync(odd, { recursive: true, force: true });
  }
});

test("a task loaded without attach (its creator gone): delete$ still removes the FIFOs the creator left", async () => {
  const child = join(dirname(fileURLToPath(import.meta.url)), "..", "support", "attach-child.js");
  execFileSync(process.execPath, [child, client.namespace, "orphaned"], { encoding: "utf8" });
  assert.notDeepEqual(fifoSets(), setsBefore, "the child's FIFO sets are there");
  const container = await lastValueFrom(client.containers.load$("orphaned"));
  const task = await lastValueFrom(container.task$());
  assert.equal(task.io, undefined);
  await lastValueFrom((await lastValueFrom(task.loadProcess$("cat"))).delete$({ kill: true }));
  await lastValueFrom(task.delete$({ kill: true }));
  await lastValueFrom(container.delete$());
  assert.deepEqual(fifoSets(), setsBefore);
});

function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

const ioErrors = (proc: Process): Promise<string[]> =>
  lastValueFrom(proc.ioErrors$.pipe(toArray())).then((es) => es.map((e) => e.message));

for (const how of ["errors", "closes"] as const) {
  test(`Stdio.streams: a stdout Writable that ${how} mid-output is unpiped and the rest discarded: the process exits, delete$ completes`, async () => {
    let got = 0;
    const dest: Writable = new Writable({
      highWaterMark: 16 * 1024,
      write(chunk: Buffer, _enc, cb) {
        got += chunk.length;
        if (how === "errors") cb(new Error("the HTTP client left"));
        else {
          cb();
          dest.destroy();
        }
      },
    });
    dest.on("error", () => undefined); // the application's own handler
    const container = await lastValueFrom(
      client.containers.create$(`gone-${how}`, { image: BUSYBOX, args: ["dd", "if=/dev/zero", "bs=64k", "count=64"] }),
    );
    try {
      const task = await lastValueFrom(container.newTask$({ io: Stdio.streams({ stdout: dest }) }));
      const errors = ioErrors(task);
      const exit$ = task.wait$();
      await lastValueFrom(task.start$());
      assert.equal(
        (await within(lastValueFrom(exit$), 20_000, "the process exits although its stdout Writable is gone")).code,
        0,
      );
      await within(lastValueFrom(task.delete$()), 15_000, "delete$");
      assert.ok(got > 0 && got < 4 * 1024 * 1024, `the Writable got part of the output (${got} bytes)`);
      const messages = await within(errors, 5_000, "ioErrors$ completes when the IO is closed");
      assert.equal(messages.length, 1, JSON.stringify(messages));
      assert.match(
        messages[0] ?? "",
        how === "errors" ? /stdout Writable failed \(the HTTP client left\)/ : /stdout Writable closed/,
      );
    } finally {
      await lastValueFrom(container.delete$());
    }
  });
}

/** create$ + newTask$({ io }) + start$; returns the task and its container. */
async function started(id: string, io: ReturnType<typeof Stdio.pipe>, args: string[]) {
  const container = await lastValueFrom(client.containers.create$(id, { image: BUSYBOX, args }));
  const task = await lastValueFrom(container.newTask$({ io }));
  const exit$ = task.wait$();
  const out = collect(task.stdout$);
  const errors = ioErrors(task);
  await lastValueFrom(task.start$());
  return { container, task, exit$, out, errors };
}

test("an Observable stdin that errors: stdin is closed (cat exits) and the error is reported on ioErrors$, not taken for EOF", async () => {
  const stdin = concat(
    of("a\n"),
    throwError(() => new Error("source broke")),
  );
  const { container, task, exit$, out, errors } = await started("obs-err", Stdio.pipe({ stdin }), ["cat"]);
  assert.equal((await within(lastValueFrom(exit$), 10_000, "cat exits once stdin is closed")).code, 0);
  await lastValueFrom(task.delete$());
  await lastValueFrom(container.delete$());
  assert.equal((await out).toString(), "a\n");
  const messages = await within(errors, 5_000, "ioErrors$ completes");
  assert.equal(messages.length, 1);
  assert.match(messages[0] ?? "", /stdin source failed .*source broke/);
});

test("a Readable stdin that errors: stdin is closed (cat exits) and the error is reported on ioErrors$", async () => {
  const source = new PassThrough();
  source.write("b\n");
  const { container, task, exit$, out, errors } = await started("rd-err", Stdio.pipe({ stdin: source }), ["cat"]);
  source.destroy(new Error("disk read failed"));
  assert.equal((await within(lastValueFrom(exit$), 10_000, "cat exits once stdin is closed")).code, 0);
  await lastValueFrom(task.delete$());
  await lastValueFrom(container.delete$());
  assert.equal((await out).toString(), "b\n");
  const messages = await within(errors, 5_000, "ioErrors$ completes");
  assert.match(messages.join("|"), /stdin source failed .*disk read failed/);
});

test("a Readable stdin that never ends is unpiped and destroyed when the IO closes (delete$)", async () => {
  const source = new PassThrough();
  source.write("c\n");
  const { container, task, exit$, out } = await started("rd-close", Stdio.pipe({ stdin: source }), [
    "sh",
    "-c",
    "read x; echo got $x",
  ]);
  await within(lastValueFrom(exit$), 10_000, "the process exits after one line");
  await lastValueFrom(task.delete$());
  await lastValueFrom(container.delete$());
  assert.equal((await out).toString(), "got c\n");
  assert.equal(source.destroyed, true, "the source was destroyed");
  assert.equal(source.listenerCount("data"), 0, "and unpiped");
});

test("task.stdin's write errors reach the user: the library adds no 'error' listener that would swallow them", async () => {
  const { container, task, exit$, out } = await started("stdin-err", Stdio.pipe({ stdin: true }), [
    "sh",
    "-c",
    "read x; echo got $x",
  ]);
  const stdin = task.stdin;
  assert.ok(stdin);
  assert.equal(stdin.listenerCount("error"), 0, "no library 'error' listener on the user's Writable");
  stdin.write("d\n");
  await within(lastValueFrom(exit$), 10_000, "the process exits after one line");
  await lastValueFrom(task.delete$());
  await lastValueFrom(container.delete$());
  const failed = new Promise<Error | null | undefined>((resolve) => stdin.write("too late\n", resolve));
  assert.equal(
    ((await within(failed, 5_000, "the write's callback")) as NodeJS.ErrnoException | null)?.code,
    "ERR_STREAM_DESTROYED",
  );
  assert.equal((await out).toString(), "got d\n");
});

test("a fifoDir the shim cannot see: the error says the shim could not open the FIFOs there and names fifoDir / CONTAINERD_FIFO_DIR", async () => {
  // The lab's daemon (and its shims) run with a private /run: a directory in ours is invisible to them.
  const hidden = mkdtempSync("/run/rxc-hidden-");
  const container = await lastValueFrom(
    client.containers.create$("hidden", { image: BUSYBOX, args: ["sleep", "600"] }),
  );
  try {
    const r = await settle(lastValueFrom(container.newTask$({ io: Stdio.pipe({ fifoDir: hidden }) })));
    const check = (e: unknown) => {
      assert.ok(isUnknown(e), String(e));
      const err = e as ContainerdError;
      assert.match(err.message, new RegExp(`shim could not open the FIFOs in ${hidden}/io-`));
      assert.match(err.message, /fifoDir/);
      assert.match(err.message, /CONTAINERD_FIFO_DIR/);
      assert.ok(
        ContainerdError.is(err.cause) && /failed to start io pipe copy/.test(err.cause.rawMessage),
        "containerd's error is the cause",
      );
    };
    check(r.error);
    const task = await lastValueFrom(container.newTask$());
    await lastValueFrom(task.start$());
    const p = await lastValueFrom(task.exec$("e", { args: ["true"] }, { io: Stdio.pipe({ fifoDir: hidden }) }));
    check((await settle(lastValueFrom(p.start$()))).error);
    await lastValueFrom(p.delete$());
    await lastValueFrom(task.delete$({ kill: true }));
    assert.deepEqual(readdirSync(hidden), [], "the FIFO sets were removed");
  } finally {
    await lastValueFrom(container.delete$());
    rmSync(hidden, { recursive: true, force: true });
  }
});
