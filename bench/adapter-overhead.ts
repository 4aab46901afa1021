// What rxcontainerd's RPC adapter costs on top of plain grpc-js: the same Version call, made
// with the generated grpc-js client directly and through `client.version$()`, in interleaved
// rounds (plain, adapter, plain, adapter, …) so that machine noise hits both alike; the medians
// over the rounds are reported. Prints a table, then one JSON line.
//   RXC_BENCH_RPC_N (2000 sequential calls per round; 16 callers x N/4 concurrent)
//   RXC_BENCH_ROUNDS (5)
//   RXC_BENCH_PAIRS (20): the CPU ratio's pairs of RXC_BENCH_PAIR_N (500) sequential calls each,
//   after a warm-up of both; the pairs alternate which side goes first (ABBA), and the ratio is
//   the median over the pairs (one long round per side swings ±30 % with GC and the machine)
//   RXC_BENCH_ONLY=plain|adapter: only that kind, one long round (for `node --cpu-prof`)
import { credentials } from "@grpc/grpc-js";
import { lastValueFrom } from "rxjs";
import { VersionClient } from "../generated/github.com/containerd/containerd/api/services/version/v1/version.js";
import { Containerd } from "../src/index.js";
import { dist, round, row } from "./support.js";

const N = Number(process.env["RXC_BENCH_RPC_N"] ?? 2000);
const ROUNDS = Number(process.env["RXC_BENCH_ROUNDS"] ?? 5);
const ONLY = process.env["RXC_BENCH_ONLY"];
const PAIRS = Number(process.env["RXC_BENCH_PAIRS"] ?? 20);
const PAIR_N = Number(process.env["RXC_BENCH_PAIR_N"] ?? 500);

/** Client CPU per call (µs) over `n` sequential calls. */
async function cpuPerCall(call: () => Promise<unknown>, n: number): Promise<number> {
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < n; i++) await call();
  const cpu = process.cpuUsage(cpu0);
  return (cpu.user + cpu.system) / n;
}

interface Round {
  seq_us: number;
  cpu_us: number;
  conc_per_s: number;
}

async function measure(call: () => Promise<unknown>, n = N): Promise<Round> {
  for (let i = 0; i < 200; i++) await call();
  const cpu0 = process.cpuUsage();
  let t0 = performance.now();
  for (let i = 0; i < n; i++) await call();
  const seq = ((performance.now() - t0) * 1000) / n;
  const cpu = process.cpuUsage(cpu0);
  t0 = performance.now();
  const per = Math.max(1, n >> 2);
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      for (let i = 0; i < per; i++) await call();
    }),
  );
  return {
    seq_us: seq,
    cpu_us: (cpu.user + cpu.system) / n,
    conc_per_s: (16 * per) / ((performance.now() - t0) / 1000),
  };
}

async function main(): Promise<void> {
  const client = new Containerd();
  const raw = new VersionClient(`unix://${client.address.replace(/^unix:\/\//, "")}`, credentials.createInsecure());
  const plain = () => new Promise((resolve, reject) => raw.version({}, (e, r) => (e ? reject(e) : resolve(r))));
  const adapter = () => lastValueFrom(client.version$());
  if (ONLY) {
    const r = await measure(ONLY === "plain" ? plain : adapter, N * 5);
    row("profile", `Version ${ONLY}: client CPU per call`, "us", r.cpu_us.toFixed(0));
  } else {
    const rounds: Record<"plain" | "adapter", Round[]> = { plain: [], adapter: [] };
    for (let i = 0; i < ROUNDS; i++) {
      rounds.plain.push(await measure(plain));
      rounds.adapter.push(await measure(adapter));
    }
    const summary: Record<string, unknown> = { rounds: ROUNDS, n: N };
    for (const [k, rs] of Object.entries(rounds)) {
      const cpu = dist(rs.map((r) => r.cpu_us));
      const seq = dist(rs.map((r) => r.seq_us));
      const conc = dist(rs.map((r) => r.conc_per_s));
      row(
        "adapter",
        `Version ${k}: client CPU per call, median of ${ROUNDS} rounds`,
        "us",
        `${cpu.median.toFixed(1)} (${cpu.min.toFixed(0)}-${cpu.max.toFixed(0)})`,
      );
      row(
        "adapter",
        `Version ${k}: sequential mean`,
        "us",
        `${seq.median.toFixed(0)} (${seq.min.toFixed(0)}-${seq.max.toFixed(0)})`,
      );
      row(
        "adapter",
        `Version ${k}: 16 concurrent callers`,
        "1/s",
        `${conc.median.toFixed(0)} (${conc.min.toFixed(0)}-${conc.max.toFixed(0)})`,
      );
      summary[k] = { cpu_us: cpu, seq_us: seq, conc_per_s: conc };
    }
    // The ratio: short pairs, ABBA, after a warm-up (see the header).
    await cpuPerCall(plain, 1000);
    await cpuPerCall(adapter, 1000);
    const ratios: number[] = [];
    for (let i = 0; i < PAIRS; i++) {
      const first = i % 2 === 0 ? plain : adapter;
      const second = first === plain ? adapter : plain;
      const a = await cpuPerCall(first, PAIR_N);
      const b = await cpuPerCall(second, PAIR_N);
      ratios.push(first === adapter ? a / b : b / a);
    }
    const ratio = dist(ratios);
    row(
      "adapter",
      `adapter / plain CPU per call, median of ${PAIRS} pairs`,
      "x",
      `${ratio.median.toFixed(3)} (${ratio.min.toFixed(2)}-${ratio.max.toFixed(2)})`,
    );
    summary["cpu_ratio"] = { ...ratio, median: round(ratio.median) };
    console.log(JSON.stringify({ rxcontainerd_adapter_overhead: summary }));
  }
  raw.close();
  client.close();
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
