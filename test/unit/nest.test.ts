import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { lastValueFrom, of, Subject, toArray } from "rxjs";
import type { RunEvent } from "../../src/index.js";
import { toMessageEvents } from "../../src/nest.js";

const srcDir = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "src");

/** The CommonJS modules (Nest and reflect-metadata are CommonJS) a fresh node loads with `entry`. */
function modulesLoadedBy(entry: string): string[] {
  const script = `
    await import(${JSON.stringify(pathToFileURL(join(srcDir, entry)).href)});
    const { createRequire } = await import("node:module");
    console.log(JSON.stringify(Object.keys(createRequire(import.meta.url).cache)));`;
  return JSON.parse(execFileSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8" }));
}

test("importing rxcontainerd never loads Nest (rxcontainerd/nest does)", () => {
  const nestish = (m: string) => /[\\/]node_modules[\\/](@nestjs|reflect-metadata)[\\/]/.test(m);
  const root = modulesLoadedBy("index.js");
  assert.ok(
    root.some((m) => m.includes("@grpc")),
    "the probe sees CommonJS dependencies",
  );
  assert.deepEqual(root.filter(nestish), [], "rxcontainerd loads no Nest package");
  const nest = modulesLoadedBy("nest.js");
  assert.ok(
    nest.some((m) => /@nestjs[\\/]common/.test(m)),
    "rxcontainerd/nest loads @nestjs/common",
  );
  assert.ok(!nest.some((m) => /@nestjs[\\/]terminus/.test(m)), "terminus stays optional");
});

const at = new Date("2026-01-01T00:00:00Z");

test("toMessageEvents: one event per line, multi-byte characters kept whole, last partial line before exited", async () => {
  const euro = Buffer.from("€"); // 3 bytes, split across chunks
  const runEvents: RunEvent[] = [
    { type: "created", containerId: "c" },
    { type: "started", containerId: "c", pid: 42 } as RunEvent, // the task is not needed here
    {
      type: "output",
      containerId: "c",
      stream: "stdout",
      data: Buffer.concat([Buffer.from("a"), euro.subarray(0, 1)]),
    },
    { type: "output", containerId: "c", stream: "stderr", data: Buffer.from("err\r\n") },
    {
      type: "output",
      containerId: "c",
      stream: "stdout",
      data: Buffer.concat([euro.subarray(1), Buffer.from("\nb\n\ntail")]),
    },
    { type: "exited", containerId: "c", status: { code: 3, exitedAt: at } },
  ];
  const events = await lastValueFrom(of(...runEvents).pipe(toMessageEvents(), toArray()));
  assert.deepEqual(events, [
    { type: "created", data: { containerId: "c" } },
    { type: "started", data: { containerId: "c", pid: 42 } },
    { type: "line", data: { containerId: "c", stream: "stderr", line: "err" } },
    { type: "line", data: { containerId: "c", stream: "stdout", line: "a€" } },
    { type: "line", data: { containerId: "c", stream: "stdout", line: "b" } },
    { type: "line", data: { containerId: "c", stream: "stdout", line: "" } },
    { type: "line", data: { containerId: "c", stream: "stdout", line: "tail" } },
    { type: "exited", data: { containerId: "c", exitCode: 3, exitedAt: at.toISOString() } },
  ]);
});

test("toMessageEvents: an error becomes a failed event, then the stream completes; unsubscribing reaches the source", async () => {
  const source = new Subject<RunEvent>();
  const seen: unknown[] = [];
  let completed = false;
  source.pipe(toMessageEvents()).subscribe({ next: (e) => seen.push(e), complete: () => (completed = true) });
  source.next({ type: "output", containerId: "c", stream: "stdout", data: Buffer.from("half") });
  source.error(new RangeError("boom"));
  assert.deepEqual(seen, [
    { type: "line", data: { containerId: "c", stream: "stdout", line: "half" } },
    { type: "failed", data: { name: "RangeError", message: "boom" } },
  ]);
  assert.equal(completed, true);
  const other = new Subject<RunEvent>();
  other.pipe(toMessageEvents()).subscribe().unsubscribe();
  assert.equal(other.observed, false, "unsubscribed from run$");
});

test("toMessageEvents: the encoding option is the lines() operator's (latin1 decoded; an unknown one is a failed event)", async () => {
  const out = (data: Buffer): RunEvent => ({ type: "output", containerId: "c", stream: "stdout", data });
  const latin1 = await lastValueFrom(
    of(out(Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x0a, 0x6e]))).pipe(toMessageEvents({ encoding: "latin1" }), toArray()),
  );
  assert.deepEqual(latin1, [
    { type: "line", data: { containerId: "c", stream: "stdout", line: "café" } },
    { type: "line", data: { containerId: "c", stream: "stdout", line: "n" } },
  ]);
  const bad = await lastValueFrom(
    of(out(Buffer.from("x\n")), out(Buffer.from("y\n"))).pipe(
      toMessageEvents({ encoding: "bogus" as BufferEncoding }),
      toArray(),
    ),
  );
  assert.deepEqual(bad, [
    {
      type: "failed",
      data: { name: "InvalidArgumentError", message: '[InvalidArgument] lines: unknown encoding "bogus"' },
    },
  ]);
});
