// The comparison table of `scripts/bench.sh`: reads the JSON lines that the benchmarks printed
// into a results directory (ours-<round>.txt: rxcontainerd's bench/*.ts; go-<round>.json: the Go
// baseline's -json-out; profile-*.txt: bench/cpu-profile.ts) and prints, per scenario, ONE table
// with rxcontainerd's figure, the Go client's, the ratio and the issue's target, each figure the
// median over the rounds. Usage: node build/bench/report.js DIR
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

type Json = Record<string, unknown>;
const dir = process.argv[2];
if (!dir) throw new Error("usage: report DIR");

/** The JSON objects a file's lines hold, merged. */
function jsonLines(file: string): Json {
  const out: Json = {};
  for (const line of readFileSync(file, "utf8").split("\n")) {
    if (!line.startsWith("{")) continue;
    try {
      Object.assign(out, JSON.parse(line) as Json);
    } catch {
      // not a summary line
    }
  }
  return out;
}

const files = readdirSync(dir).sort();
const ours = files.filter((f) => /^ours-\d+\.txt$/.test(f)).map((f) => jsonLines(join(dir, f)));
const go = files
  .filter((f) => /^go-\d+\.json$/.test(f))
  .map((f) => (jsonLines(join(dir, f))["go_baseline"] ?? {}) as Json);
const profiles = files.filter((f) => /^profile-.*\.txt$/.test(f)).map((f) => jsonLines(join(dir, f)));

/** Walks a path (`a.b.0.c`); undefined when any step is missing. */
function at(o: unknown, path: string): unknown {
  let v = o;
  for (const k of path.split(".")) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<string, unknown>)[k];
  }
  return v;
}

function median(xs: number[]): number | undefined {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return undefined;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1]! + s[m]!) / 2;
}

type Get = (round: Json) => number | undefined;
const num =
  (path: string): Get =>
  (r) => {
    const v = at(r, path);
    return typeof v === "number" ? v : undefined;
  };

interface Row {
  metric: string;
  unit: string;
  ours: Get;
  go?: Get;
  /** The issue's target on ours/go (or on ours alone), with its wording. */
  target?: { text: string; met: (ours: number, go: number | undefined) => boolean };
  digits?: number;
}

const collect = (rounds: Json[], get: Get | undefined) =>
  get ? median(rounds.map(get).filter((x): x is number => x !== undefined)) : undefined;

function fmt(x: number | undefined, digits = 2): string {
  if (x === undefined) return "–";
  if (Math.abs(x) >= 1000) return Math.round(x).toLocaleString("en-US");
  return x.toFixed(digits);
}

function table(title: string, rows: Row[], note?: string): void {
  console.log(`\n### ${title}\n`);
  console.log("| figure | unit | rxcontainerd | Go client | ratio | target |");
  console.log("|---|---|---:|---:|---:|---|");
  for (const r of rows) {
    const o = collect(ours, r.ours);
    const g = collect(go, r.go);
    const ratio = o !== undefined && g !== undefined && g !== 0 ? o / g : undefined;
    const target = r.target && o !== undefined ? `${r.target.text}: ${r.target.met(o, g) ? "met" : "**not met**"}` : "";
    console.log(
      `| ${r.metric} | ${r.unit} | ${fmt(o, r.digits)} | ${fmt(g, r.digits)} | ${ratio === undefined ? "–" : `${ratio.toFixed(2)}×`} | ${target} |`,
    );
  }
  if (note) console.log(`\n${note}`);
}

const atMost = (factor: number, text = `≤ ${factor}× Go`) => ({
  text,
  met: (o: number, g: number | undefined) => g !== undefined && o <= factor * g,
});

console.log(
  `rxcontainerd vs containerd's Go client: ${ours.length} round(s) of ours, ${go.length} of Go's, interleaved; ` +
    `every figure is the median over the rounds. Go: ${String(at(go[0], "env.server_version") ?? "not run")}, ` +
    `load at its start ${String(at(go[0], "env.loadavg_start") ?? "?")}.`,
);

const L = "rxcontainerd_lifecycle";
table("Lifecycle (`true`, fresh snapshot, null IO, sequential)", [
  {
    metric: "per lifecycle, median",
    unit: "ms",
    ours: num(`${L}.lifecycle.ms.median`),
    go: num("lifecycle.ms.median"),
    target: atMost(1.02),
  },
  { metric: "lifecycles/s", unit: "1/s", ours: num(`${L}.lifecycle.per_s`), go: num("lifecycle.per_s") },
  ...["new_container", "new_task", "wait_call", "start", "start_to_exit", "task_delete", "container_delete"].map(
    (p): Row => ({
      metric: `phase ${p}, median`,
      unit: "ms",
      ours: num(`${L}.lifecycle.phases_ms.${p}.median`),
      go: num(`lifecycle.phases_ms.${p}.median`),
      digits: 3,
    }),
  ),
]);

table(
  "Exit notification (`sh -c 'sleep 0.2'`)",
  [
    {
      metric: "exit reaped (exited_at) → delivered, median",
      unit: "ms",
      ours: num(`${L}.exit_notify.reap_to_emit_ms.median`),
      go: num("exit_notify.reap_to_chan_ms.median"),
      target: atMost(1, "≤ Go"),
      digits: 3,
    },
    {
      metric: "start call → delivered, minus the 200 ms sleep, median",
      unit: "ms",
      ours: num(`${L}.exit_notify.wall_minus_sleep_ms.median`),
      go: num("exit_notify.wall_minus_sleep_ms.median"),
    },
  ],
  "exited_at with its nanoseconds on both sides (ours from an events observer of its own, as the Go baseline has).",
);

const W = "rxcontainerd_waits";
const ks = [
  ...new Set(
    ours.flatMap((r) => ((at(r, W) as Json[] | undefined) ?? []).map((w) => w["k"] as number)).filter(Boolean),
  ),
];
for (const k of ks) {
  const o = (r: Json) => ((at(r, W) as Json[] | undefined) ?? []).find((w) => w["k"] === k);
  const g = (r: Json) => ((at(r, "waits") as Json[] | undefined) ?? []).find((w) => w["k"] === k);
  const on =
    (path: string): Get =>
    (r) =>
      num(path)(o(r) ?? {});
  const gn =
    (path: string): Get =>
    (r) =>
      num(path)(g(r) ?? {});
  const goPerWait: Get = (r) => {
    const w = g(r);
    if (!w) return undefined;
    return ((w["client_live_heap_delta_kb"] as number) + (w["client_stack_inuse_delta_kb"] as number)) / k;
  };
  table(`K = ${k} tasks waited at once (\`sleep 2\`, waits issued before any start, par 4)`, [
    {
      metric: "issue K waits",
      unit: "ms",
      ours: on("issue_ms"),
      go: gn("wait_issue_ms"),
      target: k === 200 ? atMost(1, "≤ Go") : undefined,
    },
    {
      metric: "memory per pending wait (ours: JS heap; Go: heap + goroutine stack)",
      unit: "KiB",
      ours: on("heap_per_wait_kib"),
      go: goPerWait,
      target: { text: "≤ 4 KiB and < Go", met: (a, b) => a <= 4 && b !== undefined && a < b },
    },
    {
      metric: "memory for the K waits",
      unit: "KiB",
      ours: on("heap_delta_kib"),
      go: (r) => {
        const w = g(r);
        return w
          ? (w["client_live_heap_delta_kb"] as number) + (w["client_stack_inuse_delta_kb"] as number)
          : undefined;
      },
      digits: 0,
    },
    {
      metric: "open calls while the waits are pending (Go: one Tasks.Wait per waiter)",
      unit: "",
      ours: on("open_calls_pending"),
      go: (r) => (g(r) ? k : undefined),
      target: { text: "1 (the stream)", met: (a) => a === 1 },
      digits: 0,
    },
    {
      metric: "calls issued for the K waits",
      unit: "",
      ours: on("calls_started_for_waits"),
      go: (r) => (g(r) ? k : undefined),
      digits: 0,
    },
    {
      metric: "exit reaped → delivered under load, median",
      unit: "ms",
      ours: on("reap_to_emit_ms.median"),
      go: gn("reap_to_chan_ms.median"),
      digits: 3,
    },
    {
      metric: "last exit → all delivered",
      unit: "ms",
      ours: on("last_exit_to_all_delivered_ms"),
      go: gn("last_exit_to_all_delivered_ms"),
    },
    { metric: "create K containers + tasks (daemon-bound)", unit: "s", ours: on("create_s"), go: gn("create_s") },
    { metric: "start K tasks (daemon-bound)", unit: "s", ours: on("start_s"), go: gn("start_all_s") },
    { metric: "delete K tasks + containers (daemon-bound)", unit: "s", ours: on("delete_s"), go: gn("delete_all_s") },
  ]);
}

const X = "rxcontainerd_exit_path";
const goWait = num("exit_notify.reap_to_chan_ms.median");
table(
  "Where an exit's delivery time goes (`bench/exit-path.ts`, one path per exit, medians)",
  [
    {
      metric: "raw TaskExit message at the grpc-js stream − exited_at (Go: event arrival)",
      unit: "ms",
      ours: num(`${X}.grpc_event.median`),
      go: num("exit_notify.reap_to_event_ms.median"),
      digits: 3,
    },
    {
      metric: "envelope emitted by the adapter − exited_at",
      unit: "ms",
      ours: num(`${X}.adapter_envelope.median`),
      digits: 3,
    },
    {
      metric: "wait$ emission − exited_at, events mode (Go: Wait channel)",
      unit: "ms",
      ours: num(`${X}.wait_events.median`),
      go: goWait,
      digits: 3,
    },
    {
      metric: "wait$ emission − envelope emitted (the hub and the wait)",
      unit: "ms",
      ours: num(`${X}.wait_after_envelope.median`),
      digits: 3,
    },
    {
      metric: "Tasks.Wait response at grpc-js − exited_at (Go: Wait channel)",
      unit: "ms",
      ours: num(`${X}.grpc_wait.median`),
      go: goWait,
      digits: 3,
    },
    {
      metric: "Tasks.Wait emitted by the adapter (rpc mode) − exited_at (Go: Wait channel)",
      unit: "ms",
      ours: num(`${X}.adapter_wait.median`),
      go: goWait,
      digits: 3,
    },
  ],
  "Go's two rows come from its exit benchmark: the Wait channel and its own events observer, in the same process.",
);

const I = "rxcontainerd_wait_issue";
const goPerCall: Get = (r) => {
  const w = ((at(r, "waits") as Json[] | undefined) ?? []).find((x) => x["k"] === 200);
  return w ? ((w["wait_issue_ms"] as number) / 200) * 1000 : undefined;
};
table("Issuing `wait$()` (`bench/wait-issue.ts`, in-process, K = 200 per round, median over rounds)", [
  {
    metric: "wait$() per call, stream live (Go: Wait() at K = 200)",
    unit: "µs",
    ours: num(`${I}.warm.wall_us.median`),
    go: goPerCall,
    digits: 3,
  },
  {
    metric: "wait$() per call, the first opens the stream",
    unit: "µs",
    ours: num(`${I}.cold.wall_us.median`),
    go: goPerCall,
    digits: 3,
  },
  { metric: "wait$() CPU per call, stream live", unit: "µs", ours: num(`${I}.warm.cpu_us.median`), digits: 3 },
  {
    metric: "the first wait$() of a client (opens the stream)",
    unit: "µs",
    ours: num(`${I}.cold.first_us.median`),
    digits: 1,
  },
  { metric: "subscribing to a wait", unit: "µs", ours: num(`${I}.warm.subscribe_us.median`), digits: 3 },
]);

const A = "rxcontainerd_adapter_overhead";
table(
  "Unary calls",
  [
    {
      metric: "`Version` sequential, median",
      unit: "µs",
      ours: num(`${L}.rpc.version.seq_us.median`),
      go: num("rpc.version.seq_us.median"),
      digits: 0,
    },
    {
      metric: "`Version`, 16 concurrent callers",
      unit: "calls/s",
      ours: num(`${L}.rpc.version.concurrent_per_s`),
      go: num("rpc.version.conc_per_s"),
      digits: 0,
    },
    {
      metric: "`Version` client CPU per call",
      unit: "µs",
      ours: num(`${L}.rpc.version.client_cpu_us_per_call`),
      go: num("rpc.version.seq_cpu_us_per_call.client"),
      digits: 0,
    },
    {
      metric: "`Tasks.Get` sequential, median",
      unit: "µs",
      ours: num(`${L}.rpc.task_get.seq_us.median`),
      go: num("rpc.task_get.seq_us.median"),
      digits: 0,
    },
    {
      metric: "`Tasks.Get`, 16 concurrent callers",
      unit: "calls/s",
      ours: num(`${L}.rpc.task_get.concurrent_per_s`),
      go: num("rpc.task_get.conc_per_s"),
      digits: 0,
    },
    {
      metric: "plain grpc-js `Version` client CPU per call (same process, interleaved rounds)",
      unit: "µs",
      ours: num(`${A}.plain.cpu_us.median`),
      go: num("rpc.version.seq_cpu_us_per_call.client"),
      digits: 0,
    },
    {
      metric: "rxcontainerd `version$()` client CPU per call (the same rounds)",
      unit: "µs",
      ours: num(`${A}.adapter.cpu_us.median`),
      go: num("rpc.version.seq_cpu_us_per_call.client"),
      digits: 0,
    },
    {
      metric: "adapter / plain grpc-js CPU per call (median of short ABBA pairs; Go column: n/a)",
      unit: "×",
      ours: num(`${A}.cpu_ratio.median`),
      target: { text: "≤ 1.10 (within 10 % of plain grpc-js)", met: (a) => a <= 1.1 },
      digits: 3,
    },
  ],
  "Go's CPU per call is the Go client's; the ratio column of the two grpc-js rows is ours over Go's.",
);

if (profiles.length) {
  console.log("\n### Where a unary call's client CPU goes (`node --cpu-prof`, self time, % of busy time)\n");
  const labels = profiles.map((p) => String(at(p, "cpu_profile.label")));
  const cats = [
    ...new Set(profiles.flatMap((p) => Object.keys((at(p, "cpu_profile.percent") as Json | undefined) ?? {}))),
  ];
  console.log(`| category | ${labels.join(" | ")} |`);
  console.log(`|---|${labels.map(() => "---:").join("|")}|`);
  for (const c of cats) {
    console.log(
      `| ${c} | ${profiles.map((p) => `${fmt(num(`cpu_profile.percent.${c}`)(p) ?? 0, 1)} %`).join(" | ")} |`,
    );
  }
}
