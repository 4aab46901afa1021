// Summarises a `node --cpu-prof` profile: self time by where the code lives (grpc-js, rxjs,
// rxcontainerd's adapter and domain, generated codecs, node internals, GC, idle), in % of the
// busy (non-idle) time, and the top functions. Usage: node build/bench/cpu-profile.js FILE.cpuprofile [label]
import { readFileSync } from "node:fs";

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}
interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
}

export function categorise(url: string, fn: string): string {
  if (fn === "(garbage collector)") return "GC";
  if (fn === "(idle)") return "idle";
  if (fn === "(program)") return "(program: native, not attributed)";
  if (url.includes("@grpc/grpc-js")) return "grpc-js";
  if (url.includes("@grpc/proto-loader") || url.includes("protobufjs")) return "protobufjs";
  if (url.includes("/rxjs/")) return "rxjs";
  if (url.includes("@bufbuild/protobuf") || url.includes("/generated/"))
    return "protobuf codecs (generated, @bufbuild)";
  if (url.includes("/src/services/")) return "rxcontainerd adapter (src/services)";
  if (url.includes("/src/")) return "rxcontainerd domain (src/observables, errors)";
  if (url.includes("/bench/")) return "benchmark loop";
  if (url.startsWith("node:") || url === "") return "node internals (net, http2, streams, timers)";
  return "other";
}

function main(): void {
  const [file, label = file] = process.argv.slice(2);
  if (!file) throw new Error("usage: cpu-profile FILE.cpuprofile [label]");
  const p = JSON.parse(readFileSync(file, "utf8")) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  p.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (p.timeDeltas[i] ?? 0)));
  const cats = new Map<string, number>();
  const fns = new Map<string, number>();
  let busy = 0;
  for (const [id, us] of self) {
    const n = byId.get(id)!;
    const cat = categorise(n.callFrame.url, n.callFrame.functionName);
    cats.set(cat, (cats.get(cat) ?? 0) + us);
    if (cat !== "idle") busy += us;
    const where = n.callFrame.url.replace(/^.*node_modules\//, "").replace(/^file:\/\/.*\/build\//, "");
    const key = `${n.callFrame.functionName || "(anonymous)"} ${where}:${n.callFrame.lineNumber + 1}`;
    if (cat !== "idle") fns.set(key, (fns.get(key) ?? 0) + us);
  }
  const out: Record<string, number> = {};
  console.log(`cpu profile ${label}: busy ${(busy / 1000).toFixed(0)} ms`);
  for (const [cat, us] of [...cats].filter(([c]) => c !== "idle").sort((a, b) => b[1] - a[1])) {
    out[cat] = Math.round((1000 * us) / busy) / 10;
    console.log(`  ${cat.padEnd(48)} ${((100 * us) / busy).toFixed(1).padStart(5)} %`);
  }
  console.log("  top functions (self):");
  for (const [fn, us] of [...fns].sort((a, b) => b[1] - a[1]).slice(0, 15)) {
    console.log(`    ${((100 * us) / busy).toFixed(1).padStart(5)} %  ${fn}`);
  }
  console.log(JSON.stringify({ cpu_profile: { label, busy_ms: Math.round(busy / 1000), percent: out } }));
}

main();
