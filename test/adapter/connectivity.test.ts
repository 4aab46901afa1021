import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { filter, firstValueFrom, lastValueFrom, toArray } from "rxjs";
import { Containerd, type ConnectivityState } from "../../src/index.js";
import { connect } from "../../src/services/connect.js";
import { createServices } from "../../src/services/services.js";
import { startFakeDaemon } from "../support/fake-daemon.js";

test("connectivity$: IDLE until a call, READY after it, non-READY when the server goes, SHUTDOWN and complete on close()", async () => {
  const fake = await startFakeDaemon();
  const client = new Containerd({ address: fake.address, namespace: "ns1" });
  const states: ConnectivityState[] = [];
  let completed = false;
  const sub = client.connectivity$.subscribe({ next: (s) => states.push(s), complete: () => (completed = true) });
  assert.deepEqual(states, ["IDLE"], "the current state on subscribe; subscribing does not dial");
  await lastValueFrom(client.version$());
  assert.equal(states.at(-1), "READY", `after a call: ${states.join(" ")}`);
  assert.deepEqual(states, ["IDLE", "CONNECTING", "READY"]);

  await fake.close();
  const down = await firstValueFrom(client.connectivity$.pipe(filter((s) => s !== "READY")));
  assert.notEqual(states.at(-1), "READY", `after the server shut down: ${states.join(" ")}`);
  assert.equal(states.at(-1), down, "a second subscriber sees the same current state");
  assert.ok(!completed);

  const late = lastValueFrom(client.connectivity$.pipe(toArray()));
  client.close();
  assert.equal(states.at(-1), "SHUTDOWN");
  assert.ok(completed, "completes after SHUTDOWN");
  assert.ok(sub.closed);
  assert.deepEqual((await late).at(-1), "SHUTDOWN");
  assert.deepEqual(
    await lastValueFrom(client.connectivity$.pipe(toArray())),
    ["SHUTDOWN"],
    "subscribing after close: SHUTDOWN, complete",
  );
  for (let i = 1; i < states.length; i++) assert.notEqual(states[i], states[i - 1], "no consecutive duplicates");
});

/** grpc-js keeps its state watchers in an internal array; read it to prove none pile up. */
function pendingWatchers(channel: unknown): number {
  const internal = (channel as { internalChannel?: { connectivityStateWatchers?: unknown[] } }).internalChannel;
  const watchers = internal?.connectivityStateWatchers;
  assert.ok(Array.isArray(watchers), "grpc-js internals moved: update this test");
  return watchers.length;
}

test("connectivity$: unsubscribing stops the watching; 1,000 subscribe/unsubscribe cycles leave at most one watcher and no timer", async () => {
  const fake = await startFakeDaemon();
  const transport = connect({ address: fake.address }, { namespace: "ns1" });
  const channel = transport.rpc.client.getChannel();
  const timers = () => process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;
  const timersBefore = timers();
  const seen: ConnectivityState[] = [];
  const first = transport.connectivity.states$.subscribe((s) => seen.push(s));
  first.unsubscribe();
  for (let i = 0; i < 1000; i++) transport.connectivity.states$.subscribe().unsubscribe();
  assert.ok(pendingWatchers(channel) <= 1, `watchers pending: ${pendingWatchers(channel)}`);
  assert.equal(timers(), timersBefore, "no timer armed");
  await lastValueFrom(createServices(transport.rpc).version.version$());
  assert.equal(transport.connectivity.current(), "READY");
  assert.deepEqual(seen, ["IDLE"], "an unsubscribed observer hears nothing more");
  assert.equal(pendingWatchers(channel), 0, "the leftover watcher fired and was not re-armed (nobody listens)");
  transport.close();
  await fake.close();
});

test("connectivity$: an open subscription does not keep the process alive", async () => {
  const fake = await startFakeDaemon();
  const index = fileURLToPath(new URL("../../src/index.js", import.meta.url));
  const script = `
    const { Containerd } = await import(${JSON.stringify(index)});
    const client = new Containerd({ address: ${JSON.stringify(fake.address)}, namespace: "ns1" });
    const states = [];
    client.connectivity$.subscribe((s) => states.push(s));
    client.version$().subscribe({ complete: () => console.log(states.join(" ")) });
  `;
  // Runs in a child process (the fake daemon stays in this one): if the subscription held the
  // event loop, the child would never exit and the guard below would kill it (an error).
  const r = await new Promise<{ error: Error | null; stdout: string; stderr: string }>((resolve) =>
    execFile(
      process.execPath,
      ["--input-type=module", "-e", script],
      { encoding: "utf8", timeout: 60_000 },
      (error, stdout, stderr) => resolve({ error, stdout, stderr }),
    ),
  );
  await fake.close();
  assert.equal(r.error, null, `child did not exit by itself: ${String(r.error)} ${r.stderr}`);
  assert.equal(r.stdout.trim(), "IDLE CONNECTING READY");
});
