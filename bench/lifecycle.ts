// Lifecycle, exit-notification and RPC latency, the same scenarios as the Go baseline's
// `lifecycle`, `exit` and `rpc` (../shared/bench/go-baseline). Prints a table, then one JSON line.
//   RXC_BENCH_N (30 lifecycles), RXC_BENCH_EXIT_N (20), RXC_BENCH_RPC_N (2000), warm-up 2;
//   RXC_BENCH_LIFECYCLE_ONLY=1: the lifecycle scenario alone
import { lastValueFrom } from "rxjs";
import { Stdio, type Containerd } from "../src/index.js";
import { benchClient, dist, exactExits, IMAGE, nowMs, row, type Dist } from "./support.js";

const N = Number(process.env["RXC_BENCH_N"] ?? 30);
const EXIT_N = Number(process.env["RXC_BENCH_EXIT_N"] ?? 20);
const RPC_N = Number(process.env["RXC_BENCH_RPC_N"] ?? 2000);
const WARMUP = 2;
let seq = 0;
const fmt = (d: Dist) => `median ${d.median.toFixed(3)}  (min ${d.min.toFixed(3)} max ${d.max.toFixed(3)} n=${d.n})`;

async function lifecycle(client: Containerd): Promise<Record<string, unknown>> {
  const phases = [
    "new_container",
    "new_task",
    "wait_call",
    "start",
    "start_to_exit",
    "task_delete",
    "container_delete",
  ] as const;
  const per: Record<string, number[]> = Object.fromEntries(phases.map((p) => [p, []]));
  const totals: number[] = [];
  let wall = 0;
  for (let i = 0; i < WARMUP + N; i++) {
    const ts: number[] = [performance.now()];
    const c = await lastValueFrom(client.containers.create$(`lc-${++seq}`, { image: IMAGE, args: ["true"] }));
    ts.push(performance.now());
    const task = await lastValueFrom(c.newTask$({ io: Stdio.null() }));
    ts.push(performance.now());
    const exit$ = task.wait$();
    ts.push(performance.now());
    await lastValueFrom(task.start$());
    ts.push(performance.now());
    const st = await lastValueFrom(exit$);
    ts.push(performance.now());
    if (st.code !== 0) throw new Error(`exit ${st.code}`);
    await lastValueFrom(task.delete$());
    ts.push(performance.now());
    await lastValueFrom(c.delete$());
    ts.push(performance.now());
    if (i < WARMUP) continue;
    phases.forEach((p, k) => per[p]!.push(ts[k + 1]! - ts[k]!));
    totals.push(ts[7]! - ts[0]!);
    wall += ts[7]! - ts[0]!;
  }
  const d = dist(totals);
  row("lifecycle", "per lifecycle", "ms", fmt(d));
  row("lifecycle", "lifecycles/s (sequential)", "1/s", (N / (wall / 1000)).toFixed(2));
  const phaseOut: Record<string, Dist> = {};
  for (const p of phases) {
    phaseOut[p] = dist(per[p]!);
    row("lifecycle", `  phase ${p}`, "ms", `median ${phaseOut[p].median.toFixed(3)}`);
  }
  return { n: N, ms: d, per_s: N / (wall / 1000), phases_ms: phaseOut };
}

async function exitNotify(client: Containerd): Promise<Record<string, unknown>> {
  const reapToEmit: number[] = [];
  const wallMinusSleep: number[] = [];
  // exitedAt with its nanoseconds, from an independent events observer (as the Go baseline has one).
  const exact = exactExits(client);
  try {
    for (let i = 0; i < WARMUP + EXIT_N; i++) {
      const id = `exit-${++seq}`;
      const c = await lastValueFrom(client.containers.create$(id, { image: IMAGE, args: ["sh", "-c", "sleep 0.2"] }));
      const task = await lastValueFrom(c.newTask$());
      const exit$ = task.wait$();
      const t0 = nowMs();
      await lastValueFrom(task.start$());
      const st = await lastValueFrom(exit$);
      const delivered = nowMs();
      const exitedAt = await exact.exitedAt(id);
      await lastValueFrom(task.delete$());
      await lastValueFrom(c.delete$());
      if (i < WARMUP) continue;
      if (Math.floor(exitedAt) !== st.exitedAt.getTime())
        throw new Error(`exitedAt ${st.exitedAt.getTime()} vs ${exitedAt}`);
      reapToEmit.push(delivered - exitedAt);
      wallMinusSleep.push(delivered - t0 - 200);
    }
  } finally {
    exact.stop();
  }
  const a = dist(reapToEmit);
  const w = dist(wallMinusSleep);
  row("exit", "wait$ emission - exitedAt (reap -> emission)", "ms", fmt(a));
  row("exit", "start$ call .. emission minus 200ms sleep", "ms", fmt(w));
  return { n: EXIT_N, reap_to_emit_ms: a, wall_minus_sleep_ms: w };
}

async function rpc(client: Containerd): Promise<Record<string, unknown>> {
  const c = await lastValueFrom(client.containers.create$(`rpc-${++seq}`, { image: IMAGE, args: ["sleep", "100000"] }));
  const task = await lastValueFrom(c.newTask$());
  await lastValueFrom(task.start$());
  const out: Record<string, unknown> = {};
  try {
    const calls: [string, string, () => Promise<unknown>][] = [
      ["version", "version$()", () => lastValueFrom(client.version$())],
      ["task_get", "task.status$() (Tasks.Get, running task)", () => lastValueFrom(task.status$())],
    ];
    for (const [key, label, call] of calls) {
      for (let i = 0; i < 100; i++) await call();
      const lat: number[] = [];
      const cpu0 = process.cpuUsage();
      for (let i = 0; i < RPC_N; i++) {
        const s = performance.now();
        await call();
        lat.push((performance.now() - s) * 1000);
      }
      const cpu = process.cpuUsage(cpu0);
      const seqD = dist(lat);
      const conc = 16;
      const perCaller = 500;
      const c0 = performance.now();
      await Promise.all(
        Array.from({ length: conc }, async () => {
          for (let i = 0; i < perCaller; i++) await call();
        }),
      );
      const concPerS = (conc * perCaller) / ((performance.now() - c0) / 1000);
      row("rpc", `${label} sequential`, "us", fmt(seqD));
      row("rpc", `${label} client CPU per call`, "us", ((cpu.user + cpu.system) / RPC_N).toFixed(1));
      row("rpc", `${label} ${conc} concurrent callers`, "1/s", concPerS.toFixed(0));
      out[key] = { seq_us: seqD, client_cpu_us_per_call: (cpu.user + cpu.system) / RPC_N, concurrent_per_s: concPerS };
    }
  } finally {
    await lastValueFrom(task.delete$({ kill: true }));
    await lastValueFrom(c.delete$());
  }
  return out;
}

async function main(): Promise<void> {
  const { client, dispose } = await benchClient();
  console.log(`lifecycle/exit/rpc: node ${process.version}`);
  const summary =
    process.env["RXC_BENCH_LIFECYCLE_ONLY"] === "1"
      ? { lifecycle: await lifecycle(client) }
      : { lifecycle: await lifecycle(client), exit_notify: await exitNotify(client), rpc: await rpc(client) };
  console.log(JSON.stringify({ rxcontainerd_lifecycle: summary }));
  await dispose();
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
