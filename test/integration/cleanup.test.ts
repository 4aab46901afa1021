import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { Writable } from "node:stream";
import { lastValueFrom, type Observable, type Subscription } from "rxjs";
import type { Containerd } from "../../src/index.js";
import { BUSYBOX, labClient } from "../support/lab.js";

let client: Containerd;
let dispose: () => Promise<void>;
before(async () => ({ client, dispose } = await labClient("clean", { image: true })));
after(async () => dispose());

/**
 * Subscribes, unsubscribes after `delayMs`. Returns what was emitted before that, if anything: an
 * emitted container or task belongs to the caller (the operation had finished), anything else
 * must be rolled back.
 */
async function unsubscribeAfter<T>(obs: Observable<T>, delayMs: number): Promise<T | undefined> {
  let emitted: T | undefined;
  const sub: Subscription = obs.subscribe({ next: (v) => (emitted = v), error: () => undefined });
  await new Promise((r) => setTimeout(r, delayMs));
  sub.unsubscribe();
  return emitted;
}

async function residue(): Promise<{ containers: string[]; tasks: string[]; snapshots: string[]; leases: string[] }> {
  const s = client.services;
  const base = new Set(["sha256:"]);
  return {
    containers: (await lastValueFrom(s.containers.list$({}))).containers.map((c) => c.id),
    tasks: (await lastValueFrom(s.tasks.list$({}))).tasks.map((t) => t.id),
    snapshots: (await lastValueFrom(s.snapshots.list$({ snapshotter: "overlayfs" }))).info
      .map((i) => i.name)
      .filter((n) => ![...base].some((b) => n.startsWith(b))),
    leases: (await lastValueFrom(s.leases.list$({}))).leases.map((l) => l.id),
  };
}

async function settled(): Promise<ReturnType<typeof residue> extends Promise<infer R> ? R : never> {
  // Rollbacks run after in-flight steps finish; poll (bounded) until they are done.
  let r = await residue();
  for (let i = 0; i < 100 && (r.containers.length || r.tasks.length || r.snapshots.length || r.leases.length); i++) {
    await new Promise((res) => setTimeout(res, 50));
    r = await residue();
  }
  return r;
}

function shimCount(): number {
  try {
    return execFileSync("pgrep", ["-f", `containerd-shim-runc-v2 -namespace ${client.namespace} `])
      .toString()
      .trim()
      .split("\n")
      .filter(Boolean).length;
  } catch {
    return 0;
  }
}

const EMPTY = { containers: [], tasks: [], snapshots: [], leases: [] };

test("unsubscribing create$ at any point leaves no container, snapshot or lease", async () => {
  let rolledBack = 0;
  for (const delay of [0, 1, 2, 3, 4, 6, 8, 10, 15, 20, 40]) {
    const owned = await unsubscribeAfter(
      client.containers.create$(`c-${delay}`, { image: BUSYBOX, args: ["true"] }),
      delay,
    );
    if (owned) await lastValueFrom(owned.delete$());
    else rolledBack++;
    assert.deepEqual(await settled(), EMPTY, `after ${delay} ms`);
  }
  assert.ok(rolledBack >= 2, `at least the early unsubscriptions were mid-flight (${rolledBack})`);
});

test("unsubscribing run$ at any point (create, newTask, start, running) leaves nothing, no shim", async () => {
  for (const delay of [0, 5, 15, 30, 60, 120, 250]) {
    await unsubscribeAfter(client.run$(`r-${delay}`, { image: BUSYBOX, args: ["sleep", "30"] }), delay);
    assert.deepEqual(await settled(), EMPTY, `after ${delay} ms`);
  }
  for (let i = 0; i < 50 && shimCount() > 0; i++) await new Promise((r) => setTimeout(r, 100));
  assert.equal(shimCount(), 0, "no shim left for the namespace");
});

test("unsubscribing newTask$ mid-flight deletes the task it created", async () => {
  for (const delay of [0, 5, 15, 30, 60]) {
    const c = await lastValueFrom(client.containers.create$(`t-${delay}`, { image: BUSYBOX, args: ["sleep", "30"] }));
    const owned = await unsubscribeAfter(c.newTask$(), delay);
    if (owned) await lastValueFrom(owned.delete$({ kill: true }));
    let tasks = (await residue()).tasks;
    for (let i = 0; i < 100 && tasks.length; i++) {
      await new Promise((r) => setTimeout(r, 50));
      tasks = (await residue()).tasks;
    }
    assert.deepEqual(tasks, [], `after ${delay} ms`);
    await lastValueFrom(c.delete$());
  }
  assert.deepEqual(await settled(), EMPTY);
});

test("export$ unsubscribed while it waits for a stalled destination: it stops, destroys the destination, no call stays active", async () => {
  const stalled = new Writable({ highWaterMark: 1024, write: () => undefined }); // never calls back
  const activeBefore = client.callStats.active;
  const sub = client.images.export$([BUSYBOX], stalled).subscribe({ error: () => undefined });
  const until = async (cond: () => boolean, what: string) => {
    const deadline = Date.now() + 10_000;
    while (!cond()) {
      if (Date.now() > deadline) throw new Error(`timed out after 10000 ms: ${what}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  await until(() => stalled.writableNeedDrain, "export$ fills the destination");
  sub.unsubscribe();
  await until(() => stalled.destroyed, "export$ destroys the destination after the unsubscribe");
  await until(() => client.callStats.active === activeBefore, "no call of export$ stays active");
});
