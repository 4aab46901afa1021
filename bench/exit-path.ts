// Where the time between a process's reap and wait$'s emission goes: the same `sh -c 'sleep 0.2'`
// exit, one path per iteration (rotating, so that nothing else in this process competes for the
// event loop when the exit arrives), each measured against the exit's own `exited_at` with its
// nanoseconds:
//   events/grpc-js   a plain grpc-js Events.Subscribe (identity deserializer): the raw message's
//                    arrival at the grpc-js stream ('data'), no decoding at all
//   events/wait$     wait$() through an EventHub whose Events API the bench wraps: the raw
//                    envelope's emission by the adapter (grpc-js + decode of the envelope), then
//                    wait$'s emission (the hub's TaskExit decoding, demultiplexing, the wait)
//   rpc/grpc-js      a plain grpc-js Tasks.Wait (identity deserializer): the response's arrival
//   rpc/adapter      the adapter's Tasks.Wait (what "rpc" wait mode holds per wait)
// Against the lab (`eval "$(bash scripts/lab env)"`). Prints rows, then one JSON line.
//   RXC_BENCH_EXIT_N (iterations per path, default 15), RXC_BENCH_PATHS (a subset)
import { loadavg } from "node:os";
import { credentials, Client, Metadata } from "@grpc/grpc-js";
import { lastValueFrom, map, tap } from "rxjs";
import { ProcessImpl } from "../src/observables/tasks/process.js";
import { EventHub } from "../src/observables/tasks/wait/exit-hub.js";
import { Inflight } from "../src/observables/client/inflight.js";
import type { EventsApi } from "../src/services/events.js";
import { SubscribeRequest } from "../generated/github.com/containerd/containerd/api/services/events/v1/events.js";
import { GetRequest, WaitRequest } from "../generated/github.com/containerd/containerd/api/services/tasks/v1/tasks.js";
import { benchClient, dist, IMAGE, nowMs, protoFields, protoSub, row, timestampMs } from "./support.js";

/** The figures (JSON keys) and their rows. */
const LABELS: Record<string, string> = {
  grpc_event: "events/grpc-js: raw TaskExit message at the grpc-js stream - exited_at",
  adapter_envelope: "events/wait$: envelope emitted by the adapter - exited_at",
  wait_events: "events/wait$: wait$ emission - exited_at",
  wait_after_envelope: "events/wait$: wait$ emission - envelope emitted (hub + wait)",
  grpc_wait: "rpc/grpc-js: Tasks.Wait response at grpc-js - exited_at",
  adapter_wait: "rpc/adapter: Tasks.Wait emitted by the adapter - exited_at",
};
const N = Number(process.env["RXC_BENCH_EXIT_N"] ?? 15);
const WARMUP = 2;
const ALL = ["events/grpc-js", "events/wait$", "rpc/grpc-js", "rpc/adapter"] as const;
type Path = (typeof ALL)[number];
/** RXC_BENCH_PATHS: a comma-separated subset (e.g. for a --cpu-prof of one path). */
const PATHS = ALL.filter((p) => (process.env["RXC_BENCH_PATHS"]?.split(",") ?? ALL).includes(p));
let seq = 0;

/** Envelope (event = 4: Any, value = 2) -> TaskExit (container_id = 1, exited_at = 5). */
function taskExit(envelope: Uint8Array): { containerId: string; exitedAt: number } {
  const x = protoSub(protoSub(protoFields(envelope), 4), 2);
  return { containerId: Buffer.from((x.get(1) as Uint8Array) ?? []).toString(), exitedAt: timestampMs(protoSub(x, 5)) };
}

async function main(): Promise<void> {
  const { client, dispose } = await benchClient();
  const ns = client.namespace;
  const address = `unix://${client.address.replace(/^unix:\/\//, "")}`;
  const plain = new Client(address, credentials.createInsecure());
  const md = () => {
    const m = new Metadata();
    m.set("containerd-namespace", ns);
    return m;
  };
  const ser = (b: Uint8Array): Buffer => Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  const id = (b: Buffer): Buffer => b;
  // The hub of events/wait$: the adapter's Events API, its Subscribe stream stamped by the bench.
  let rawAt: number | undefined;
  const events = client.services.events;
  const stamped: Pick<EventsApi, "subscribe$" | "publish$"> = {
    publish$: events.publish$.bind(events),
    subscribe$: (req, options) =>
      events.subscribe$(req, options).pipe(
        tap((raw) => {
          if (raw.topic === "/tasks/exit") rawAt ??= nowMs();
        }),
      ),
  };
  const hub = new EventHub(stamped, { namespace: ns, lingerMs: 0 });
  const ctx = { services: client.services, hub, namespace: ns, inflight: new Inflight() };

  const res = new Map<string, number[]>();
  const add = (k: string, v: number) => res.set(k, [...(res.get(k) ?? []), v]);
  for (let i = 0; i < WARMUP + N; i++) {
    for (const path of i % 2 ? [...PATHS].reverse() : PATHS) {
      const cid = `xp-${++seq}`;
      const c = await lastValueFrom(client.containers.create$(cid, { image: IMAGE, args: ["sh", "-c", "sleep 0.2"] }));
      const task = await lastValueFrom(c.newTask$());
      const out = await measure(path, cid, task.pid);
      await lastValueFrom(task.delete$());
      await lastValueFrom(c.delete$());
      if (i < WARMUP) continue;
      for (const [k, v] of Object.entries(out)) add(k, v);
    }
  }

  async function measure(path: Path, cid: string, pid: number): Promise<Record<string, number>> {
    const start = () => lastValueFrom(client.services.tasks.start$({ containerId: cid }, { namespace: ns }));
    if (path === "events/grpc-js") {
      const stream = plain.makeServerStreamRequest<Uint8Array, Buffer>(
        "/containerd.services.events.v1.Events/Subscribe",
        ser,
        id,
        SubscribeRequest.encode(
          SubscribeRequest.fromPartial({ filters: [`topic=="/tasks/exit",namespace==${JSON.stringify(ns)}`] }),
        ).finish(),
        md(),
      );
      stream.on("error", () => undefined);
      const got = new Promise<{ at: number; raw: Buffer }>((resolve) =>
        stream.on("data", (raw: Buffer) => resolve({ at: nowMs(), raw })),
      );
      await new Promise((r) => setTimeout(r, 50)); // registered (Subscribe answers nothing)
      await start();
      const { at, raw } = await bounded(got, cid);
      stream.cancel();
      const x = taskExit(raw);
      return { grpc_event: at - x.exitedAt };
    }
    if (path === "events/wait$") {
      rawAt = undefined;
      const proc = new ProcessImpl(ctx, cid, "", pid, undefined);
      const exit$ = proc.wait$();
      await new Promise((r) => setTimeout(r, 50)); // the hub's probe is back
      await start();
      const st = await bounded(lastValueFrom(exit$.pipe(map((s) => ({ s, at: nowMs() })))), cid);
      // exited_at with its nanoseconds: Tasks.Get's process.exited_at (= the event's).
      const exitedAt = await exitedAtOf(cid);
      if (Math.floor(exitedAt) !== st.s.exitedAt.getTime()) throw new Error(`exited_at mismatch for ${cid}`);
      const adapterAt = rawAt;
      return {
        ...(adapterAt !== undefined ? { adapter_envelope: adapterAt - exitedAt } : {}),
        wait_events: st.at - exitedAt,
        ...(adapterAt !== undefined ? { wait_after_envelope: st.at - adapterAt } : {}),
      };
    }
    if (path === "rpc/grpc-js") {
      const got = new Promise<{ at: number; raw: Buffer }>((resolve, reject) =>
        plain.makeUnaryRequest<Uint8Array, Buffer>(
          "/containerd.services.tasks.v1.Tasks/Wait",
          ser,
          id,
          WaitRequest.encode(WaitRequest.fromPartial({ containerId: cid })).finish(),
          md(),
          (err, raw) => (err ? reject(err) : resolve({ at: nowMs(), raw: raw! })),
        ),
      );
      await new Promise((r) => setTimeout(r, 50));
      await start();
      const { at, raw } = await bounded(got, cid);
      return { grpc_wait: at - timestampMs(protoSub(protoFields(raw), 2)) };
    }
    const got = lastValueFrom(
      client.services.tasks
        .wait$({ containerId: cid }, { namespace: ns, timeoutMs: Infinity })
        .pipe(map((r) => ({ r, at: nowMs() }))),
    );
    await new Promise((r) => setTimeout(r, 50));
    await start();
    const { at } = await bounded(got, cid);
    return { adapter_wait: at - (await exitedAtOf(cid)) };
  }

  /** Tasks.Get of a stopped process: process (1) . exited_at (10), with its nanoseconds. */
  function exitedAtOf(cid: string): Promise<number> {
    return new Promise((resolve, reject) =>
      plain.makeUnaryRequest<Uint8Array, Buffer>(
        "/containerd.services.tasks.v1.Tasks/Get",
        ser,
        id,
        GetRequest.encode(GetRequest.fromPartial({ containerId: cid })).finish(),
        md(),
        (err, raw) => (err ? reject(err) : resolve(timestampMs(protoSub(protoSub(protoFields(raw!), 1), 10)))),
      ),
    );
  }

  const out: Record<string, unknown> = { n: N, load: loadavg() };
  for (const [k, v] of res) {
    const d = dist(v);
    row("exitpath", LABELS[k] ?? k, "ms", `median ${d.median.toFixed(3)}  (min ${d.min} max ${d.max} n=${d.n})`);
    out[k] = d;
  }
  console.log(JSON.stringify({ rxcontainerd_exit_path: out }));
  hub.close();
  plain.close();
  await dispose();
}

function bounded<T>(p: Promise<T>, what: string): Promise<T> {
  return Promise.race([
    p,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`no exit within 10 s: ${what}`)), 10_000).unref()),
  ]);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
