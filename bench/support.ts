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
