// close() and the first connection, over the wire against the in-process fake daemon.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { getEventListeners } from "node:events";
import { fileURLToPath } from "node:url";
import { lastValueFrom, type Observable } from "rxjs";
import { Containerd, isCanceled, isUnavailable, UnavailableError } from "../../src/index.js";
import { connect } from "../../src/services/connect.js";
import { createServices } from "../../src/services/services.js";
import { startFakeDaemon } from "../support/fake-daemon.js";

/** Errors from a subscription, or the value it emitted. */
function outcome<T>(obs: Observable<T>): Promise<{ value?: T; error?: unknown }> {
  return lastValueFrom(obs).then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
}

/** Resolves with `p`, or rejects after `ms` with `what`. */
function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<never>(
      (_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms)),
    ),
  ]).finally(() => clearTimeout(timer));
}

/** Polls `cond` every 5 ms until true, failing with `what` after `ms`. */
async function until(cond: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

test("close() ends every call in flight with CanceledError, and the server sees each cancel", async () => {
  const fake = await startFakeDaemon();
  const client = new Containerd({ address: fake.address, namespace: "ns1" });
  const s = client.services;
  const wait = outcome<unknown>(s.tasks.wait$({ containerId: "x" }));
  const get = outcome<unknown>(s.tasks.get$({ containerId: "hang" }));
  const stream = outcome<unknown>(client.events$([], { reconnect: true }));
  await until(
    () => ["wait", "get", "subscribe"].every((m) => fake.seen.some((c) => c.method === m)),
    10_000,
    "the server to see the three calls",
  );
  assert.equal(client.callStats.active, 3);
  const cancels = fake.cancels;
  client.close();
  for (const [name, p] of [
    ["wait", wait],
    ["get", get],
    ["events$", stream],
  ] as const) {
    const { error } = await within(p, 5000, `${name} to end after close()`);
    assert.ok(isCanceled(error), `${name}: ${String(error)}`);
    assert.match((error as Error).message, /client closed/);
  }
  assert.equal(client.callStats.active, 0, "no call left open");
  await until(() => fake.cancels - cancels >= 3, 5000, `the server to see 3 cancels (saw ${fake.cancels - cancels})`);
  await fake.close();
});

test("a call after close() errors with CanceledError through the error channel, makes no RPC and leaves no AbortSignal listener", async () => {
  const fake = await startFakeDaemon();
  const client = new Containerd({ address: fake.address, namespace: "ns1" });
  await lastValueFrom(client.version$());
  client.close();
  const started = client.callStats.started;
  const ac = new AbortController();
  let thrown: unknown;
  let error: unknown;
  try {
    client.services.tasks
      .get$({ containerId: "ok" }, { signal: ac.signal })
      .subscribe({ error: (e: unknown) => (error = e) });
  } catch (e) {
    thrown = e;
  }
  assert.equal(thrown, undefined, "nothing thrown from subscribe");
  assert.ok(isCanceled(error), String(error));
  for (let i = 0; i < 1000; i++)
    await outcome(client.services.tasks.get$({ containerId: "ok" }, { signal: ac.signal }));
  assert.equal(getEventListeners(ac.signal, "abort").length, 0, "1,000 failed calls leave no listener on the signal");
  assert.equal(client.callStats.started, started, "no RPC issued after close()");
  await fake.close();
});

test("a channel closed underneath the adapter: typed error, no throw, no listener left", async () => {
  const fake = await startFakeDaemon();
  const transport = connect({ address: fake.address }, { namespace: "ns1" });
  const services = createServices(transport.rpc);
  transport.rpc.client.close(); // grpc-js alone: its calls now throw "Channel has been shut down"
  const ac = new AbortController();
  for (let i = 0; i < 1000; i++) {
    const { error } = await outcome(services.tasks.get$({ containerId: "ok" }, { signal: ac.signal }));
    assert.ok(isCanceled(error), String(error));
  }
  assert.equal(getEventListeners(ac.signal, "abort").length, 0, "no listener left behind");
  assert.equal(transport.rpc.stats.active, 0);
  await fake.close();
});

test("calls that finish normally or fail leave no AbortSignal listener (1,000 each)", async () => {
  const fake = await startFakeDaemon();
  const client = new Containerd({ address: fake.address, namespace: "ns1" });
  const ac = new AbortController();
  for (let i = 0; i < 1000; i++) {
    await outcome(client.services.tasks.get$({ containerId: i % 2 ? "ok" : "code-5" }, { signal: ac.signal }));
  }
  assert.equal(getEventListeners(ac.signal, "abort").length, 0);
  client.close();
  await fake.close();
});

test("a process that closes its client exits promptly, and the server sees its Wait and Subscribe cancelled", async () => {
  const fake = await startFakeDaemon();
  const index = fileURLToPath(new URL("../../src/index.js", import.meta.url));
  const script = `
    const { Containerd } = await import(${JSON.stringify(index)});
    const client = new Containerd({ address: ${JSON.stringify(fake.address)}, namespace: "ns1" });
    const errors = [];
    client.services.tasks.wait$({ containerId: "job" }).subscribe({ error: (e) => errors.push(e.name) });
    client.events$().subscribe({ error: (e) => errors.push(e.name) });
    process.stdin.once("data", () => {
      client.close();
      setImmediate(() => console.log(errors.join(" ")));
    });
    console.log("ready");
  `;
  const child = spawn(process.execPath, ["--input-type=module", "-e", script], { stdio: ["pipe", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  try {
    await until(
      () => stdout.includes("ready") && ["wait", "subscribe"].every((m) => fake.seen.some((c) => c.method === m)),
      20_000,
      `the child's calls to reach the server (stderr: ${stderr})`,
    );
    const cancels = fake.cancels;
    child.stdin.write("close\n");
    child.stdin.end(); // stdin must not be what keeps the child alive
    const code = await within(exited, 10_000, `the child to exit after close() (stdout: ${stdout}, stderr: ${stderr})`);
    assert.equal(code, 0, stderr);
    assert.match(stdout, /CanceledError CanceledError/, "both calls ended with CanceledError");
    await until(() => fake.cancels - cancels >= 2, 5000, "the server to see both cancels");
  } finally {
    child.kill("SIGKILL");
    await fake.close();
  }
});

test("an unreachable address: UnavailableError naming the address and CONTAINERD_ADDRESS, no dangling 'Resolution note'", async () => {
  const address = "/nonexistent/rxc-close.sock";
  const client = new Containerd({ address });
  const { error } = await outcome(client.version$());
  client.close();
  assert.ok(error instanceof UnavailableError, String(error));
  const message = (error as Error).message;
  assert.ok(message.includes(JSON.stringify(address)), message);
  assert.match(message, /CONTAINERD_ADDRESS/);
  assert.match(message, /ENOENT/, "the cause is kept");
  assert.doesNotMatch(message, /Resolution note:\s*$/);
  assert.doesNotMatch(message, /Resolution note: *[);]/, "no empty note");
});

test("events$ with maxConnectAttempts errors with that UnavailableError once the daemon was never reached after N attempts", async () => {
  const address = "/nonexistent/rxc-events.sock";
  const client = new Containerd({ address });
  const started = client.callStats.started;
  const { error } = await within(
    outcome(client.events$([], { maxConnectAttempts: 3, reconnect: { initialDelayMs: 1, maxDelayMs: 5 } })),
    10_000,
    "events$ to give up",
  );
  client.close();
  assert.ok(isUnavailable(error), String(error));
  assert.ok((error as Error).message.includes(address), (error as Error).message);
  assert.equal(client.callStats.started - started, 3, "exactly 3 attempts");
});

test("events$ without maxConnectAttempts keeps retrying a daemon it never reached (the documented default)", async () => {
  const client = new Containerd({ address: "/nonexistent/rxc-events2.sock" });
  let error: unknown;
  const sub = client
    .events$([], { reconnect: { initialDelayMs: 1, maxDelayMs: 5 } })
    .subscribe({ error: (e: unknown) => (error = e) });
  await until(() => client.callStats.started >= 6 || error !== undefined, 10_000, "6 attempts");
  sub.unsubscribe();
  client.close();
  assert.equal(error, undefined, String(error));
});

test("events$: maxConnectAttempts counts only before the first connection; a daemon that dies later is retried", async () => {
  // The daemon runs in a child process, so that SIGKILL drops its socket as a crash would.
  const support = fileURLToPath(new URL("../support/fake-daemon.js", import.meta.url));
  const script = `
    const { startFakeDaemon } = await import(${JSON.stringify(support)});
    const fake = await startFakeDaemon();
    console.log(fake.address);
  `;
  const child = spawn(process.execPath, ["--input-type=module", "-e", script], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  let stdout = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  try {
    await until(() => stdout.includes("\n"), 20_000, "the fake daemon's address");
    const client = new Containerd({ address: stdout.trim() });
    let error: unknown;
    let events = 0;
    const sub = client
      .events$([], { maxConnectAttempts: 1, reconnect: { initialDelayMs: 1, maxDelayMs: 5 } })
      .subscribe({ next: () => events++, error: (e: unknown) => (error = e) });
    await until(() => events > 0, 10_000, "an event");
    const started = client.callStats.started;
    child.kill("SIGKILL");
    await within(exited, 10_000, "the fake daemon to die");
    await until(
      () => client.callStats.started - started >= 4 || error !== undefined,
      10_000,
      "4 reconnection attempts",
    );
    sub.unsubscribe();
    client.close();
    assert.equal(error, undefined, String(error));
  } finally {
    child.kill("SIGKILL");
  }
});

test("events$ rejects a bad maxConnectAttempts with InvalidArgumentError and no RPC", async () => {
  const client = new Containerd({ address: "/nonexistent/rxc.sock" });
  for (const n of [0, -1, 1.5, Number.NaN]) {
    const { error } = await outcome(client.events$([], { maxConnectAttempts: n }));
    assert.match(String(error), /InvalidArgument.*maxConnectAttempts/);
  }
  assert.equal(client.callStats.started, 0);
  client.close();
});
