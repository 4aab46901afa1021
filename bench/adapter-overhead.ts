// What rxcontainerd's RPC adapter costs on top of plain grpc-js: the same Version call, made
// with the generated grpc-js client directly and through `client.version$()`, interleaved
// (plain, adapter, plain) so that machine noise shows. Prints a table, then one JSON line.
//   RXC_BENCH_RPC_N (2000 sequential calls; 16 callers x N/4 concurrent)
import { credentials } from "@grpc/grpc-js";
import { lastValueFrom } from "rxjs";
import { VersionClient } from "../generated/github.com/containerd/containerd/api/services/version/v1/version.js";
import { Containerd } from "../src/index.js";
import { row } from "./support.js";

const N = Number(process.env["RXC_BENCH_RPC_N"] ?? 2000);

async function measure(call: () => Promise<unknown>): Promise<{ seq_us: number; cpu_us: number; conc_per_s: number }> {
  for (let i = 0; i < 200; i++) await call();
  const cpu0 = process.cpuUsage();
  let t0 = performance.now();
  for (let i = 0; i < N; i++) await call();
  const seq = ((performance.now() - t0) * 1000) / N;
  const cpu = process.cpuUsage(cpu0);
  t0 = performance.now();
  const per = Math.max(1, N >> 2);
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      for (let i = 0; i < per; i++) await call();
    }),
  );
  return {
    seq_us: seq,
    cpu_us: (cpu.user + cpu.system) / N,
    conc_per_s: (16 * per) / ((performance.now() - t0) / 1000),
  };
}

async function main(): Promise<void> {
  const client = new Containerd();
  const raw = new VersionClient(`unix://${client.address.replace(/^unix:\/\//, "")}`, credentials.createInsecure());
  const plain = () => new Promise((resolve, reject) => raw.version({}, (e, r) => (e ? reject(e) : resolve(r))));
  const adapter = () => lastValueFrom(client.version$());
  const results = { plain_1: await measure(plain), adapter: await measure(adapter), plain_2: await measure(plain) };
  for (const [k, r] of Object.entries(results)) {
    row(
      "adapter",
      `Version ${k}: sequential mean / client CPU per call`,
      "us",
      `${r.seq_us.toFixed(0)} / ${r.cpu_us.toFixed(0)}`,
    );
    row("adapter", `Version ${k}: 16 concurrent callers`, "1/s", r.conc_per_s.toFixed(0));
  }
  console.log(JSON.stringify({ rxcontainerd_adapter_overhead: results }));
  raw.close();
  client.close();
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
