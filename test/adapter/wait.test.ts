import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { Containerd } from "../../src/index.js";
import { startFakeDaemon, type FakeDaemon } from "../support/fake-daemon.js";
import { ProcessImpl } from "../../src/observables/tasks/process.js";
import { EventHub } from "../../src/observables/tasks/wait/exit-hub.js";
import { Inflight } from "../../src/observables/client/inflight.js";
import { waitFor } from "../support/wait-for.js";

let fake: FakeDaemon;
let client: Containerd;
before(async () => {
  fake = await startFakeDaemon();
  client = new Containerd({ address: fake.address, namespace: "ns1" });
});
after(async () => {
  client.close();
  await fake.close();
});

const count = (m: string) => fake.seen.filter((s) => s.method === m).length;
const until = (cond: () => boolean, message = "the fake daemon saw the expected calls") => waitFor(cond, { message, timeoutMs: 5_000, intervalMs: 5 });

test("wait$ is hot: one Wait RPC and one status check however many subscribers; a running status never completes it", async () => {
  const ctx = { services: client.services, hub: new EventHub(client.services.events), namespace: "ns1", inflight: new Inflight() };
  const proc = new ProcessImpl(ctx, "running", "", 7, undefined);
  const [waits, gets, subs] = [count("wait"), count("get"), count("subscribe")];
  const exit$ = proc.wait$();
  await until(() => count("wait") === waits + 1 && count("get") === gets + 1 && count("subscribe") === subs + 1);
  const seen: string[] = [];
  const s1 = exit$.subscribe({ next: () => seen.push("next"), complete: () => seen.push("complete"), error: () => seen.push("error") });
  const s2 = exit$.subscribe({ next: () => seen.push("next"), complete: () => seen.push("complete"), error: () => seen.push("error") });
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(count("wait"), waits + 1, "subscribers share the one Wait RPC");
  assert.equal(count("get"), gets + 1, "and the one status check");
  assert.deepEqual(seen, [], "status RUNNING answered, but must not complete the wait (no empty race)");
  const cancelled = fake.nextCancel();
  const cancelsBefore = fake.cancels;
  s1.unsubscribe();
  await new Promise((r) => setTimeout(r, 30));
  assert.equal(fake.cancels, cancelsBefore, "one subscriber left: the Wait RPC stays");
  s2.unsubscribe();
  assert.equal(await cancelled, "wait", "the last unsubscribe releases the Wait RPC on the server");
  ctx.hub.close();
});
