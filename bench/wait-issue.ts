// The synchronous cost of issuing wait$() calls, in-process, many rounds: K processes (ids
// that do not exist, so every status check answers NotFound and every wait settles), K wait$()
// calls timed (wall and CPU), then K subscriptions timed apart. Two cases per round:
//   cold: a fresh hub, the first wait opens the events stream and publishes the probe (as the
//         first wait of a client, or after the stream lingered out);
//   warm: the hub's stream is already live (its status checks are queued at once).
// Against the lab (`eval "$(bash scripts/lab env)"`). Run with `--cpu-prof` to profile.
//   RXC_BENCH_K (200), RXC_BENCH_ROUNDS (30)
import { lastValueFrom, Subscription } from "rxjs";
import { Containerd } from "../src/index.js";
import { ProcessImpl } from "../src/observables/tasks/process.js";
import { EventHub } from "../src/observables/tasks/wait/exit-hub.js";
import { Inflight } from "../src/observables/client/inflight.js";
import { dist, row } from "./support.js";

const K = Number(process.env["RXC_BENCH_K"] ?? 200);
const ROUNDS = Number(process.env["RXC_BENCH_ROUNDS"] ?? 30);
let seq = 0;

const cpuUs = (): number => {
  const u = process.cpuUsage();
  return u.user + u.system;
};

async function round(
  client: Containerd,
  hub: EventHub,
): Promise<{ wallUs: number; cpuUs: number; subUs: number; firstUs: number }> {
  const ctx = { services: client.services, hub, namespace: client.namespace, inflight: new Inflight() };
  const procs = Array.from({ length: K }, () => new ProcessImpl(ctx, `nope-${++seq}`, "", 0, undefined));
  const c0 = cpuUs();
  const t0 = performance.now();
  const first = procs[0]!.wait$();
  const tf = performance.now();
  const waits = [first, ...procs.slice(1).map((p) => p.wait$())];
  const t1 = performance.now();
  const c1 = cpuUs();
  const subs = new Subscription();
  let left = K;
  let done!: () => void;
  const all = new Promise<void>((r) => (done = r));
  const end = () => --left === 0 && done();
  const t2 = performance.now();
  for (const w of waits) subs.add(w.subscribe({ next: end, error: end }));
  const t3 = performance.now();
  await all;
  subs.unsubscribe();
  return { wallUs: (t1 - t0) * 1000, cpuUs: c1 - c0, subUs: (t3 - t2) * 1000, firstUs: (tf - t0) * 1000 };
}

async function main(): Promise<void> {
  const client = new Containerd({});
  await lastValueFrom(client.version$());
  const res: Record<string, { wall: number[]; cpu: number[]; sub: number[]; first: number[] }> = {
    cold: { wall: [], cpu: [], sub: [], first: [] },
    warm: { wall: [], cpu: [], sub: [], first: [] },
  };
  const warmHub = new EventHub(client.services.events, { namespace: client.namespace, lingerMs: 60_000 });
  // Keep the warm hub's stream open and confirmed across rounds.
  const keep = warmHub.exits$(client.namespace, "keep", "keep").subscribe();
  await new Promise<void>((r) => {
    const off = warmHub.onReady(() => {
      r();
      queueMicrotask(() => off());
    });
  });
  for (let i = 0; i < ROUNDS; i++) {
    const hub = new EventHub(client.services.events, { namespace: client.namespace });
    for (const [name, h] of [
      ["cold", hub],
      ["warm", warmHub],
    ] as const) {
      const r = await round(client, h);
      res[name]!.wall.push(r.wallUs / K);
      res[name]!.cpu.push(r.cpuUs / K);
      res[name]!.sub.push(r.subUs / K);
      res[name]!.first.push(r.firstUs);
    }
    hub.close();
  }
  keep.unsubscribe();
  warmHub.close();
  const out: Record<string, unknown> = { k: K, rounds: ROUNDS, load: (await import("node:os")).loadavg() };
  for (const [name, r] of Object.entries(res)) {
    const w = dist(r.wall.slice(1));
    const c = dist(r.cpu.slice(1));
    const s = dist(r.sub.slice(1));
    const f = dist(r.first.slice(1));
    row("issue", `${name}: round 1 (unoptimised code): K wait$() calls`, "ms", ((r.wall[0]! * K) / 1000).toFixed(3));
    row("issue", `${name}: the first wait$() of a round`, "µs", `median ${f.median} min ${f.min} max ${f.max}`);
    row("issue", `${name}: wait$() wall per call (rounds 2..)`, "µs", `median ${w.median} min ${w.min} max ${w.max}`);
    row("issue", `${name}: wait$() CPU per call`, "µs", `median ${c.median} min ${c.min} max ${c.max}`);
    row("issue", `${name}: subscribe per call`, "µs", `median ${s.median} min ${s.min} max ${s.max}`);
    out[name] = {
      wall_us: w,
      cpu_us: c,
      subscribe_us: s,
      first_us: f,
      round1_k_ms: (r.wall[0]! * K) / 1000,
      issue_k_ms: (w.median * K) / 1000,
    };
  }
  console.log(JSON.stringify({ rxcontainerd_wait_issue: out }));
  client.close();
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
