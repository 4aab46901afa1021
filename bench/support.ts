// Shared plumbing of the benchmarks: a client in a fresh namespace of the lab with the busybox
// image, stats helpers, and the one-line JSON summary.
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { lastValueFrom } from "rxjs";
import { Containerd } from "../src/index.js";

export const IMAGE = "docker.io/library/busybox:latest";
const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** A client in a new namespace with the image imported; `dispose` removes the namespace. */
export async function benchClient(): Promise<{ client: Containerd; dispose: () => Promise<void> }> {
  const namespace = `bench-${randomBytes(3).toString("hex")}`;
  const client = new Containerd({ namespace });
  await lastValueFrom(client.namespaces.create$(namespace));
  execFileSync("bash", [join(repoRoot, "scripts", "lab"), "import", namespace], { stdio: "inherit" });
  return {
    client,
    dispose: async () => {
      for (const img of (await lastValueFrom(client.services.images.list$({}))).images) {
        await lastValueFrom(client.services.images.delete$({ name: img.name, sync: true }));
      }
      await lastValueFrom(client.namespaces.delete$(namespace));
      client.close();
    },
  };
}

export interface Dist {
  median: number;
  min: number;
  max: number;
  n: number;
}

export function dist(xs: readonly number[]): Dist {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  const median = s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
  return { median: round(median), min: round(s[0]!), max: round(s[s.length - 1]!), n: s.length };
}

export const round = (x: number): number => Math.round(x * 1000) / 1000;

/** Samples this process's RSS until stopped; returns the peak in MiB. */
export function rssSampler(): { stop: () => number } {
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 10);
  return {
    stop: () => {
      clearInterval(timer);
      return round(Math.max(peak, process.memoryUsage.rss()) / 1048576);
    },
  };
}

export function row(section: string, metric: string, unit: string, value: string): void {
  console.log(`${section.padEnd(10)} ${metric.padEnd(62)} ${unit.padEnd(6)} ${value}`);
}

/** Wall-clock now in ms with sub-ms precision (Date.now() has 1 ms resolution). */
export const nowMs = (): number => performance.timeOrigin + performance.now();

/**
 * An independent observer of `/tasks/exit` in the client's namespace that keeps each exit's
 * `exited_at` with its nanoseconds (the library's `exitedAt` is a `Date`, 1 ms resolution), as
 * the Go baseline's exit benchmark also observes the events. `exitedAt(id)` waits (bounded) for
 * the event of container `id` and returns epoch ms, fractional.
 */
export function exactExits(client: Containerd): { exitedAt: (id: string) => Promise<number>; stop: () => void } {
  const seen = new Map<string, number>();
  const waiting = new Map<string, (ms: number) => void>();
  const sub = client.services.events
    .subscribe$(
      { filters: [`topic=="/tasks/exit",namespace==${JSON.stringify(client.namespace)}`] },
      { timeoutMs: Infinity },
    )
    .subscribe((e) => {
      const x = decodeTaskExit(e.event?.value ?? new Uint8Array());
      if (!x) return;
      seen.set(x.containerId, x.exitedAtMs);
      waiting.get(x.containerId)?.(x.exitedAtMs);
    });
  return {
    exitedAt: (id) =>
      seen.has(id)
        ? Promise.resolve(seen.get(id)!)
        : new Promise<number>((resolve, reject) => {
            const t = setTimeout(() => reject(new Error(`no /tasks/exit event for ${id} within 5 s`)), 5000);
            waiting.set(id, (ms) => {
              clearTimeout(t);
              waiting.delete(id);
              resolve(ms);
            });
          }),
    stop: () => sub.unsubscribe(),
  };
}

/** A protobuf message's fields, read without its schema: field number -> last value (varint) or bytes. */
export function protoFields(buf: Uint8Array): Map<number, number | Uint8Array> {
  const out = new Map<number, number | Uint8Array>();
  let i = 0;
  const varint = () => {
    let x = 0;
    let m = 1;
    for (;;) {
      const c = buf[i++]!;
      x += (c & 0x7f) * m;
      m *= 128;
      if (c < 0x80) return x;
    }
  };
  while (i < buf.length) {
    const key = varint();
    const wire = key & 7;
    if (wire === 0) out.set(key >>> 3, varint());
    else if (wire === 2) {
      const n = varint();
      out.set(key >>> 3, buf.subarray(i, i + n));
      i += n;
    } else if (wire === 1) i += 8;
    else if (wire === 5) i += 4;
    else break;
  }
  return out;
}

/** The fields of the message in field `f` of `m` (empty if absent). */
export const protoSub = (m: Map<number, number | Uint8Array>, f: number): Map<number, number | Uint8Array> =>
  protoFields((m.get(f) as Uint8Array | undefined) ?? new Uint8Array());

/** google.protobuf.Timestamp (seconds = 1, nanos = 2) -> epoch ms, fractional. */
export const timestampMs = (t: Map<number, number | Uint8Array>): number =>
  Number(t.get(1) ?? 0) * 1000 + Number(t.get(2) ?? 0) / 1e6;

/** containerd.events.TaskExit: container_id = 1, exited_at = 5. */
function decodeTaskExit(b: Uint8Array): { containerId: string; exitedAtMs: number } | undefined {
  const x = protoFields(b);
  const id = x.get(1);
  if (!(id instanceof Uint8Array) || !(x.get(5) instanceof Uint8Array)) return undefined;
  const containerId = Buffer.from(id).toString("utf8");
  return containerId ? { containerId, exitedAtMs: timestampMs(protoSub(x, 5)) } : undefined;
}
