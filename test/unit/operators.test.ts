// Marble tests of the container-pipeline operators over plain Observables and minimal stand-ins of
// the public interfaces (a Process whose kill$ records the signal and the frame).
import { test } from "node:test";
import assert from "node:assert/strict";
import { defer, type Observable } from "rxjs";
import { TestScheduler } from "rxjs/testing";
import {
  exitCode,
  ExitCodeError,
  InvalidArgumentError,
  isExitCodeError,
  isContainerdError,
  killAfter,
  lines,
  mapJobs,
  NotFoundError,
  UnavailableError,
  restartOnExit,
  throwOnNonZeroExit,
  type ExitStatus,
  type Process,
  type RunEvent,
  type Task,
} from "../../src/index.js";
import { startedEvent } from "../../src/observables/containers/run.js";

const scheduler = () => new TestScheduler((actual, expected) => assert.deepEqual(actual, expected));

const at = new Date(0);
const status = (code: number): ExitStatus => ({ code, exitedAt: at });
const created = (id = "c1"): RunEvent => ({ type: "created", containerId: id });
const started = (id = "c1", task = {} as Task): RunEvent => startedEvent(id, 42, task);
const exited = (code: number, id = "c1"): RunEvent => ({ type: "exited", containerId: id, status: status(code) });
const out = (text: string | Buffer, stream: "stdout" | "stderr" = "stdout", id = "c1"): RunEvent => ({
  type: "output",
  containerId: id,
  stream,
  data: Buffer.isBuffer(text) ? text : Buffer.from(text),
});

// exitCode ------------------------------------------------------------------------------------

test("exitCode: a run$ stream becomes its exit code (other events dropped); a wait$ stream its codes", () => {
  scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
    const run = cold<RunEvent>("-c-s--x|", { c: created(), s: started(), x: exited(3) });
    expectObservable(run.pipe(exitCode())).toBe("------3|", { 3: 3 });
    expectSubscriptions(run.subscriptions).toBe("^------!");
    const wait = cold<ExitStatus>("--a--b|", { a: status(0), b: status(137) });
    expectObservable(wait.pipe(exitCode())).toBe("--a--b|", { a: 0, b: 137 });
    const failing = cold<RunEvent>("-c#", { c: created() }, new UnavailableError("gone"));
    expectObservable(failing.pipe(exitCode())).toBe("--#", undefined, new UnavailableError("gone"));
  });
});

// throwOnNonZeroExit --------------------------------------------------------------------------

test("throwOnNonZeroExit: values pass; a non-zero exit is an ExitCodeError (status, container) and unsubscribes", () => {
  scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
    const values = { c: created(), s: started(), x: exited(3) };
    const run = cold<RunEvent>("-c-s--x--|", values);
    const error = new ExitCodeError(status(3), { containerId: "c1" });
    expectObservable(run.pipe(throwOnNonZeroExit())).toBe("-c-s--#", values, error);
    expectSubscriptions(run.subscriptions).toBe("^-----!");
    const ok = cold<RunEvent>("-c-s--x|", { ...values, x: exited(0) });
    expectObservable(ok.pipe(throwOnNonZeroExit())).toBe("-c-s--x|", { ...values, x: exited(0) });
    const wait = cold<ExitStatus>("--k|", { k: status(137) });
    expectObservable(wait.pipe(throwOnNonZeroExit())).toBe("--#", undefined, new ExitCodeError(status(137)));
  });
});

test("ExitCodeError: kind exit-code, the exit code apart from the gRPC code, the signal named, a guard", () => {
  const e = new ExitCodeError(status(137), { containerId: "job" });
  assert.ok(isExitCodeError(e) && isContainerdError(e));
  assert.equal(e.kind, "exit-code");
  assert.equal(e.exitCode, 137);
  assert.deepEqual(e.status, status(137));
  assert.equal(e.signal, "SIGKILL");
  assert.equal(e.containerId, "job");
  assert.equal(e.name, "ExitCodeError");
  assert.match(e.message, /^\[ExitCode\] container "job" exited with code 137 \(SIGKILL\)$/);
  assert.equal(new ExitCodeError(status(3)).signal, undefined);
  assert.ok(!isExitCodeError(new NotFoundError("x")));
  assert.ok(!isExitCodeError({ kind: "exit-code" }));
});

// restartOnExit -------------------------------------------------------------------------------

test("restartOnExit: re-runs after a non-zero exit, after the backoff, at most maxRestarts times", () => {
  const sch = scheduler();
  sch.run(({ cold, expectObservable, expectSubscriptions }) => {
    const values = { c: created(), x: exited(1) };
    const run = cold<RunEvent>("-c--x|", values);
    const result = run.pipe(restartOnExit({ maxRestarts: 2, backoff: 3, scheduler: sch }));
    expectObservable(result).toBe("-c--x----c--x----c--x|", values);
    expectSubscriptions(run.subscriptions).toBe(["^----!", "--------^----!", "----------------^----!"]);
  });
});

test("restartOnExit: stops at the first exit `when` rejects (default on-failure: a zero exit)", () => {
  const sch = scheduler();
  sch.run(({ cold, expectObservable, expectSubscriptions }) => {
    const fail = cold<RunEvent>("-x|", { x: exited(2) });
    const ok = cold<RunEvent>("-y|", { y: exited(0) });
    let n = 0;
    const source = defer(() => (n++ === 0 ? fail : ok));
    expectObservable(source.pipe(restartOnExit({ backoff: 1, scheduler: sch }))).toBe("-x--y|", {
      x: exited(2),
      y: exited(0),
    });
    expectSubscriptions(fail.subscriptions).toBe("^-!");
    expectSubscriptions(ok.subscriptions).toBe("---^-!");
  });
});

test("restartOnExit: when 'always' and a predicate; a BackoffConfig grows the delay", () => {
  const sch = scheduler();
  sch.run(({ cold, expectObservable, expectSubscriptions }) => {
    const run = cold<ExitStatus>("-a|", { a: status(0) });
    const backoff = { initialDelayMs: 2, multiplier: 2, jitter: 0 };
    expectObservable(run.pipe(restartOnExit({ when: "always", maxRestarts: 2, backoff, scheduler: sch }))).toBe(
      "-a---a-----a|",
      { a: status(0) },
    );
    expectSubscriptions(run.subscriptions).toBe(["^-!", "----^-!", "----------^-!"]);
    const seen: [number, number][] = [];
    const oom = cold<ExitStatus>("-k|", { k: status(137) });
    const when = (s: ExitStatus, restart: number) => (seen.push([s.code, restart]), restart <= 1);
    expectObservable(oom.pipe(restartOnExit({ when, backoff: 0, scheduler: sch }))).toBe("-k-k|", { k: status(137) });
    sch.flush();
    assert.deepEqual(seen, [
      [137, 1],
      [137, 2],
    ]);
  });
});

test("restartOnExit: an error ends it at once; a run without an exit is not restarted; unsubscribe cancels the delay", () => {
  const sch = scheduler();
  sch.run(({ cold, expectObservable, expectSubscriptions }) => {
    const broken = cold<RunEvent>("-c#", { c: created() }, new UnavailableError("gone"));
    expectObservable(broken.pipe(restartOnExit({ backoff: 1, scheduler: sch }))).toBe(
      "-c#",
      { c: created() },
      new UnavailableError("gone"),
    );
    expectSubscriptions(broken.subscriptions).toBe("^-!");
    const noExit = cold<RunEvent>("-c|", { c: created() });
    expectObservable(noExit.pipe(restartOnExit({ backoff: 1, scheduler: sch }))).toBe("-c|", { c: created() });
    const run = cold<RunEvent>("-x|", { x: exited(1) });
    expectObservable(run.pipe(restartOnExit({ backoff: 5, scheduler: sch })), "^----!").toBe("-x---", {
      x: exited(1),
    });
    expectSubscriptions(run.subscriptions).toBe("^-!");
    expectObservable(cold<ExitStatus>("-a|").pipe(restartOnExit({ maxRestarts: -1 }))).toBe(
      "#",
      undefined,
      new InvalidArgumentError("restartOnExit maxRestarts must be a non-negative integer, got -1"),
    );
  });
});

// killAfter -----------------------------------------------------------------------------------

/** A stand-in Process whose kill$ records [signal, frame], answering after `rpc` frames. */
function killable(sch: TestScheduler, rpc = "(v|)", fail?: (signal: number) => unknown) {
  const kills: [number | string | undefined, number][] = [];
  const process = {
    kill$: (signal?: number | string) =>
      defer(() => {
        kills.push([signal, sch.now()]);
        const e = fail?.(Number(signal));
        return e ? sch.createColdObservable<void>("-#", undefined, e) : sch.createColdObservable<void>(rpc);
      }),
  } as unknown as Task;
  return { kills, process };
}

test("killAfter on run$: due counts from `started`; SIGTERM ignored, so SIGKILL after the grace", () => {
  const sch = scheduler();
  const { kills, process } = killable(sch);
  sch.run(({ cold, expectObservable, expectSubscriptions }) => {
    const values = { c: created(), s: started("c1", process), x: exited(137) };
    const run = cold<RunEvent>("-c-s----------x|", values);
    expectObservable(run.pipe(killAfter(3, { grace: 4, scheduler: sch }))).toBe("-c-s----------x|", values);
    expectSubscriptions(run.subscriptions).toBe("^--------------!");
  });
  assert.deepEqual(kills, [
    [15, 6],
    [9, 10],
  ]);
});

test("killAfter: an exit within the grace period cancels SIGKILL; an exit before the deadline sends nothing", () => {
  const sch = scheduler();
  const { kills, process } = killable(sch);
  sch.run(({ cold, expectObservable }) => {
    const values = { s: started("c1", process), x: exited(143) };
    expectObservable(cold<RunEvent>("-s-----x|", values).pipe(killAfter(3, { grace: 4, scheduler: sch }))).toBe(
      "-s-----x|",
      values,
    );
  });
  assert.deepEqual(kills, [[15, 4]]);
  const sch2 = scheduler();
  const early = killable(sch2);
  sch2.run(({ cold, expectObservable }) => {
    const values = { s: started("c1", early.process), x: exited(0) };
    expectObservable(cold<RunEvent>("-s-x|", values).pipe(killAfter(3, { grace: 4, scheduler: sch2 }))).toBe(
      "-s-x|",
      values,
    );
  });
  assert.deepEqual(early.kills, []);
});

test("killAfter with an Observable deadline, a custom signal and a grace of Infinity; unsubscribing cancels", () => {
  const sch = scheduler();
  const { kills, process } = killable(sch);
  sch.run(({ cold, hot, expectObservable, expectSubscriptions }) => {
    const values = { s: started("c1", process), x: exited(130) };
    const stop = hot("------t--t");
    const run = cold<RunEvent>("-s----------x|", values);
    expectObservable(run.pipe(killAfter(stop, { signal: "INT", grace: Infinity, scheduler: sch }))).toBe(
      "-s----------x|",
      values,
    );
    expectSubscriptions(stop.subscriptions).toBe("-^----!");
  });
  assert.deepEqual(kills, [[2, 6]]);
  const sch2 = scheduler();
  const gone = killable(sch2);
  sch2.run(({ cold, expectObservable }) => {
    const run = cold<RunEvent>("-s----------x|", { s: started("c1", gone.process), x: exited(0) });
    expectObservable(run.pipe(killAfter(3, { scheduler: sch2 })), "^---!").toBe("-s---", {
      s: started("c1", gone.process),
    });
  });
  assert.deepEqual(gone.kills, [], "unsubscribed before the deadline: no kill");
});

test("killAfter on wait$ with `process`: the clock starts at subscription; a kill that finds it gone is ignored", () => {
  const sch = scheduler();
  const { kills, process } = killable(sch, "(v|)", () => new NotFoundError("process not found"));
  sch.run(({ cold, expectObservable }) => {
    const wait = cold<ExitStatus>("----------k|", { k: status(137) });
    expectObservable(wait.pipe(killAfter(2, { process: process as Process, grace: 3, scheduler: sch }))).toBe(
      "----------k|",
      { k: status(137) },
    );
  });
  assert.deepEqual(kills, [
    [15, 2],
    [9, 6],
  ]);
});

test("killAfter: another kill failure errors the stream (source unsubscribed); a bad signal is InvalidArgument", () => {
  const sch = scheduler();
  const { process } = killable(sch, "(v|)", () => new UnavailableError("daemon gone"));
  sch.run(({ cold, expectObservable, expectSubscriptions }) => {
    const run = cold<RunEvent>("-s--------x|", { s: started("c1", process), x: exited(0) });
    expectObservable(run.pipe(killAfter(2, { scheduler: sch }))).toBe(
      "-s--#",
      { s: started("c1", process) },
      new UnavailableError("daemon gone"),
    );
    expectSubscriptions(run.subscriptions).toBe("^---!");
    expectObservable(cold<RunEvent>("-s|").pipe(killAfter(2, { signal: "SIGNOPE" }))).toBe(
      "#",
      undefined,
      new InvalidArgumentError('unknown signal "SIGNOPE"'),
    );
  });
});

// lines ---------------------------------------------------------------------------------------

test("lines: chunks split anywhere, even inside a multi-byte character; CRLF; final partial line at completion", () => {
  const text = Buffer.from("héllo\nwörld 🐳\r\nlast");
  const cut1 = text.indexOf(Buffer.from("ö")) + 1; // inside ö
  const cut2 = text.indexOf(Buffer.from("🐳")) + 2; // inside the 4-byte whale
  scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
    const chunks = cold<Buffer>("-a-b-c-|", {
      a: text.subarray(0, cut1),
      b: text.subarray(cut1, cut2),
      c: text.subarray(cut2),
    });
    expectObservable(chunks.pipe(lines())).toBe("-a---b-(c|)", { a: "héllo", b: "wörld 🐳", c: "last" });
    expectSubscriptions(chunks.subscriptions).toBe("^------!");
    const many = cold<string>("-a----|", { a: "x\n\ny\n" });
    expectObservable(many.pipe(lines())).toBe("-(xey)|", { x: "x", e: "", y: "y" });
  });
});

test("lines({ encoding }): utf16le split inside a character; an error drops the partial line; bad encoding", () => {
  const text = Buffer.from("ä€\nz", "utf16le");
  scheduler().run(({ cold, expectObservable }) => {
    const chunks = cold<Buffer>("-a-b|", { a: text.subarray(0, 3), b: text.subarray(3) });
    expectObservable(chunks.pipe(lines({ encoding: "utf16le" }))).toBe("---a(b|)", { a: "ä€", b: "z" });
    const broken = cold<Buffer>("-a#", { a: Buffer.from("partial") }, new UnavailableError("gone"));
    expectObservable(broken.pipe(lines())).toBe("--#", undefined, new UnavailableError("gone"));
    expectObservable(cold<Buffer>("-a|").pipe(lines({ encoding: "klingon" as BufferEncoding }))).toBe(
      "#",
      undefined,
      new InvalidArgumentError('lines: unknown encoding "klingon"'),
    );
  });
});

test("lines on a run$ stream: the chosen stream's output events only, each stream decoded on its own", () => {
  const whale = Buffer.from("🐳");
  scheduler().run(({ cold, expectObservable }) => {
    const run = cold<RunEvent>("-cs-abde-x|", {
      c: created(),
      s: started(),
      a: out(whale.subarray(0, 2)),
      b: out("err\n", "stderr"),
      d: out(Buffer.concat([whale.subarray(2), Buffer.from("\nend")])),
      e: out("more", "stderr"),
      x: exited(0),
    });
    expectObservable(run.pipe(lines())).toBe("------a---(b|)", { a: "🐳", b: "end" });
    expectObservable(run.pipe(lines({ stream: "stderr" }))).toBe("-----a----(b|)", { a: "err", b: "more" });
  });
});

// mapJobs -------------------------------------------------------------------------------------

test("mapJobs(2): two jobs at a time, the next when one completes; every value passes", () => {
  scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
    const a = cold("-a--|");
    const b = cold("--b|");
    const c = cold("-c|");
    const d = cold("-d|");
    const jobs = cold<Observable<string>>("(abcd|)", { a, b, c, d });
    expectObservable(jobs.pipe(mapJobs(2))).toBe("-ab-cd|");
    expectSubscriptions(a.subscriptions).toBe("^---!");
    expectSubscriptions(b.subscriptions).toBe("^--!");
    expectSubscriptions(c.subscriptions).toBe("---^-!");
    expectSubscriptions(d.subscriptions).toBe("----^-!");
  });
});

test("mapJobs: unsubscribing mid-way unsubscribes the running jobs and starts no other; an error stops the rest", () => {
  scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
    const [a, b, c, d] = ["-a-----|", "-b-----|", "-c|", "-d|"].map((m) => cold(m));
    const jobs = cold<Observable<string>>("(abcd|)", { a, b, c, d });
    expectObservable(jobs.pipe(mapJobs(2)), "^---!").toBe("-(ab)");
    expectSubscriptions(a!.subscriptions).toBe("^---!");
    expectSubscriptions(b!.subscriptions).toBe("^---!");
    expectSubscriptions(c!.subscriptions).toBe([]);
    expectSubscriptions(d!.subscriptions).toBe([]);
    const ok = cold("-----x|");
    const bad = cold("--#", undefined, new UnavailableError("gone"));
    const later = cold("-y|");
    const jobs2 = cold<Observable<string>>("(abc|)", { a: ok, b: bad, c: later });
    expectObservable(jobs2.pipe(mapJobs(2))).toBe("--#", undefined, new UnavailableError("gone"));
    expectSubscriptions(ok.subscriptions).toBe("^-!");
    expectSubscriptions(later.subscriptions).toBe([]);
    expectObservable(jobs2.pipe(mapJobs(0))).toBe(
      "#",
      undefined,
      new InvalidArgumentError("mapJobs concurrency must be a positive integer, got 0"),
    );
  });
});
