// Unsubscribing a documented-cold multi-RPC operation cancels its RPC in flight on the server, and
// no later RPC is made (issue 10, item 5). The fake daemon's Tasks.Get("hang") and
// Images.Get("hang") never answer.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { PassThrough } from "node:stream";
import { lastValueFrom, type Observable } from "rxjs";
import { Containerd, Image } from "../../src/index.js";
import { startFakeDaemon, type FakeDaemon } from "../support/fake-daemon.js";
import { ContainerImpl } from "../../src/observables/containers/container.js";
import { ProcessImpl } from "../../src/observables/tasks/process.js";
import { TaskImpl } from "../../src/observables/tasks/task.js";
import { EventHub } from "../../src/observables/tasks/wait/exit-hub.js";
import { Inflight } from "../../src/observables/client/inflight.js";
import type { DomainContext } from "../../src/observables/client/context.js";

let fake: FakeDaemon;
let client: Containerd;
let ctx: DomainContext;
before(async () => {
  fake = await startFakeDaemon();
  client = new Containerd({ address: fake.address, namespace: "ns1" });
  ctx = {
    services: client.services,
    hub: new EventHub(client.services.events, { namespace: "ns1" }),
    namespace: "ns1",
    inflight: new Inflight(),
  };
});
after(async () => {
  ctx.hub.close();
  client.close();
  await fake.close();
});

function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

const image = (): Image =>
  new Image(
    { services: client.services, namespace: "ns1" },
    {
      name: "hang",
      labels: {},
      target: { mediaType: "application/vnd.oci.image.manifest.v1+json", digest: `sha256:${"0".repeat(64)}`, size: 2 },
    },
  );

/**
 * Subscribes, waits for the server to receive `method`, unsubscribes: the server must see that
 * call cancelled, and after a round trip (Version) no other call may have been started (but the
 * `together` calls the same step issues at once with `method`; the fake does not record them).
 */
async function cancelsOnUnsubscribe(op: Observable<unknown>, method: string, together = 0): Promise<void> {
  const seenBefore = fake.seen.length;
  const startedBefore = client.callStats.started;
  const events: string[] = [];
  const sub = op.subscribe({
    next: () => events.push("next"),
    error: (e: unknown) => events.push(`error ${String(e)}`),
    complete: () => events.push("complete"),
  });
  await within(
    (async () => {
      while (!fake.seen.slice(seenBefore).some((s) => s.method === method)) await new Promise((r) => setTimeout(r, 5));
    })(),
    2_000,
    `the server receives ${method}`,
  );
  const cancelled = fake.nextCancel();
  sub.unsubscribe();
  assert.equal(await within(cancelled, 2_000, `the server sees ${method} cancelled after the unsubscribe`), method);
  await lastValueFrom(client.version$());
  assert.equal(
    client.callStats.started,
    startedBefore + 2 + together,
    "no RPC but the cancelled one (and the Version probe) was started",
  );
  assert.deepEqual(
    fake.seen.slice(seenBefore).map((s) => s.method),
    [method, "version"],
  );
  assert.deepEqual(events, [], "nothing is emitted after the unsubscribe");
}

test("container.delete$(): unsubscribing while Tasks.Get is pending cancels it; no delete follows", async () => {
  // Containers.Get goes with Tasks.Get (one round trip); the fake answers it Unimplemented.
  await cancelsOnUnsubscribe(new ContainerImpl(ctx, "hang").delete$(), "get", 1);
});

test("process.delete$() (exec) and task.delete$(): unsubscribing cancels the pending Tasks.Get", async () => {
  await cancelsOnUnsubscribe(new ProcessImpl(ctx, "hang", "e1", 0, undefined).delete$(), "get");
  await cancelsOnUnsubscribe(new TaskImpl(ctx, "hang", "", 0, undefined).delete$(), "get");
});

test("task.checkpoint$(): unsubscribing cancels the pending status check; no pause or resume follows", async () => {
  await cancelsOnUnsubscribe(new TaskImpl(ctx, "hang", "", 0, undefined).checkpoint$(), "get");
});

test("Image metadata methods (config$, rootfs$, size$, platforms$, isUnpacked$): unsubscribing cancels Images.Get", async () => {
  const img = image();
  for (const op of [img.config$(), img.rootfs$(), img.size$(), img.platforms$(), img.isUnpacked$()]) {
    await cancelsOnUnsubscribe(op, "images.get");
  }
});

test("images.export$(): unsubscribing cancels Images.Get (not only between blobs)", async () => {
  const dest = new PassThrough();
  await cancelsOnUnsubscribe(client.images.export$(["hang"], dest), "images.get");
  dest.destroy();
});

test("a caller's own AbortSignal still cancels a cancellable operation", async () => {
  const ac = new AbortController();
  const seenBefore = fake.seen.length;
  const result = lastValueFrom(new ContainerImpl(ctx, "hang").delete$({ signal: ac.signal })).then(
    () => "completed",
    (e: Error) => e.name,
  );
  await within(
    (async () => {
      while (!fake.seen.slice(seenBefore).some((s) => s.method === "get")) await new Promise((r) => setTimeout(r, 5));
    })(),
    2_000,
    "the server receives Tasks.Get",
  );
  const cancelled = fake.nextCancel();
  ac.abort();
  assert.equal(await within(cancelled, 2_000, "the server sees the cancel"), "get");
  assert.equal(await within(result, 2_000, "delete$ settles"), "CanceledError");
});
