// K tasks waited at once, the Go baseline's `waits` scenario (../shared/bench/go-baseline):
// create K `sleep 2` tasks, call wait$() on all of them before starting any, start them, and
// measure what the waiting costs the client and how fast exits are delivered. Prints a table,
// then one JSON line. Run with --expose-gc for the heap numbers.
//   RXC_BENCH_K (default "50,200"), RXC_BENCH_PAR (4)
import { firstValueFrom, from, lastValueFrom, mergeMap, toArray } from "rxjs";
import { Containerd, type Container, type ExitStatus, type Task } from "../src/index.js";
import { benchClient, dist, exactExits, IMAGE, nowMs, round, row } from "./support.js";

const KS = (process.env["RXC_BENCH_K"] ?? "50,200").split(",").map(Number);
const PAR = Number(process.env["RXC_BENCH_PAR"] ?? 4);
const gc = (globalThis as { gc?: () => void }).gc;
const heapKiB = (): number => {
  gc?.();
  return process.memoryUsage().heapUsed / 1024;
};
const rssMiB = (): number => process.memoryUsage.rss() / 1048576;
let seq = 0;

async function waits(client: Containerd, observer: Containerd, k: number): Promise<Record<string, unknown>> {
  const exact = exactExits(observer);
  const t0 = performance.now();
  const made = await lastValueFrom(
    from(Array.from({ length: k }, () => `w${k}-${++seq}`)).pipe(
      mergeMap(async (id) => {
        const c: Container = await lastValueFrom(client.containers.create$(id, { image: IMAGE, args: ["sleep", "2"] }));
        const task: Task = await lastValueFrom(c.newTask$());
        return { c, task };
      }, PAR),
      toArray(),
    ),
  );
  const createS = (performance.now() - t0) / 1000;
  await new Promise((r) => setTimeout(r, 200));
  const heap0 = heapKiB();
  const rss0 = rssMiB();
  const streams0 = client.eventStreamsOpened;
  const started0 = client.callStats.started;
  // The issue's figure: K wait$() calls (each hot, armed, replaying its result), as the Go
  // baseline times K Wait() calls (each starting its goroutine) and sets its collector up after.
  const tw = performance.now();
  const views = made.map(({ task }) => task.wait$());
  const issueMs = performance.now() - tw;
  const tsub = performance.now();
  const exits: Promise<{ status: ExitStatus; at: number }>[] = views.map((exit$) =>
    firstValueFrom(exit$).then((status) => ({ status, at: nowMs() })),
  );
  const subscribeMs = performance.now() - tsub;
  await new Promise((r) => setTimeout(r, 300));
  const heap1 = heapKiB();
  const rss1 = rssMiB();
  // While the waits are pending: the client's open calls (the bench's own exit observer is on another client).
  const openCalls = client.callStats.active;
  const callsForWaits = client.callStats.started - started0;
  const ts = performance.now();
  await lastValueFrom(
    from(made).pipe(
      mergeMap(({ task }) => task.start$(), PAR),
      toArray(),
    ),
  );
  const startS = (performance.now() - ts) / 1000;
  const results = await Promise.all(exits);
  const exitedAt = await Promise.all(made.map(({ c }) => exact.exitedAt(c.id)));
  const lastDeliver = Math.max(...results.map((r) => r.at));
  const lastExit = Math.max(...exitedAt);
  const lat = dist(results.map((r, i) => r.at - exitedAt[i]!));
  const td = performance.now();
  await lastValueFrom(
    from(made).pipe(
      mergeMap(async ({ c, task }) => {
        await lastValueFrom(task.delete$());
        await lastValueFrom(c.delete$());
      }, PAR),
      toArray(),
    ),
  );
  const deleteS = (performance.now() - td) / 1000;
  exact.stop();
  const sec = `waits K=${k}`;
  const codes = new Set(results.map((r) => r.status.code));
  row(sec, "create K containers+tasks (par)", "s", `${createS.toFixed(2)} (par ${PAR})`);
  row(sec, "issue K wait$() calls", "ms", issueMs.toFixed(2));
  row(sec, "then subscribe to the K waits (firstValueFrom each)", "ms", subscribeMs.toFixed(2));
  row(sec, "event streams opened for the waits (shared, refcounted)", "", String(client.eventStreamsOpened - streams0));
  row(sec, `open calls while the K waits are pending (wait mode ${String(client.waitMode)})`, "", String(openCalls));
  row(sec, "calls started by the K waits (stream, probe, status checks)", "", String(callsForWaits));
  row(sec, "client RSS before / waiting", "MiB", `${rss0.toFixed(1)} / ${rss1.toFixed(1)}`);
  row(
    sec,
    "client JS heap delta for K waits",
    "KiB",
    `${gc ? `${(heap1 - heap0).toFixed(0)} (${((heap1 - heap0) / k).toFixed(2)} per wait)` : "n/a (run with --expose-gc)"}`,
  );
  row(sec, "start K tasks (par)", "s", startS.toFixed(2));
  row(sec, "last ExitedAt -> all delivered", "ms", (lastDeliver - lastExit).toFixed(2));
  row(
    sec,
    "per-task reap -> emission under load (ms resolution)",
    "ms",
    `median ${lat.median}  (min ${lat.min} max ${lat.max} n=${lat.n})`,
  );
  row(sec, "delete K tasks+containers (par)", "s", deleteS.toFixed(2));
  if (codes.size !== 1 || !codes.has(0)) throw new Error(`unexpected exit codes ${[...codes].join(",")}`);
  return {
    k,
    create_s: round(createS),
    issue_ms: round(issueMs),
    subscribe_ms: round(subscribeMs),
    rss_mib: [round(rss0), round(rss1)],
    heap_delta_kib: gc ? round(heap1 - heap0) : null,
    heap_per_wait_kib: gc ? round((heap1 - heap0) / k) : null,
    open_calls_pending: openCalls,
    calls_started_for_waits: callsForWaits,
    wait_mode: client.waitMode ?? null,
    start_s: round(startS),
    last_exit_to_all_delivered_ms: round(lastDeliver - lastExit),
    reap_to_emit_ms: lat,
    delete_s: round(deleteS),
  };
}

async function main(): Promise<void> {
  const { client, dispose } = await benchClient();
  // The exit observer runs on a client of its own (its own channel), so `client.callStats` counts only the waits.
  const observer = new Containerd({ address: client.address, namespace: client.namespace });
  const out: unknown[] = [];
  for (const k of KS) out.push(await waits(client, observer, k));
  observer.close();
  console.log(JSON.stringify({ rxcontainerd_waits: out }));
  await dispose();
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
