// close$() / `await client[Symbol.asyncDispose]()` against the lab: a process running run$ jobs
// gets SIGINT at a random point, unsubscribes and awaits the dispose; nothing may be left on the
// daemon, and the process must exit by itself.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { lastValueFrom } from "rxjs";
import { Containerd } from "../../src/index.js";
import { BUSYBOX, labAddress, labClient } from "../support/lab.js";

let client: Containerd;
let dispose: () => Promise<void>;
before(async () => ({ client, dispose } = await labClient("close", { image: true })));
after(async () => dispose());

const index = fileURLToPath(new URL("../../src/index.js", import.meta.url));

/** The child: 4 run$ jobs (2 piped, 2 null IO, chatty); on SIGINT, unsubscribe and dispose. */
function childScript(namespace: string, iteration: number): string {
  return `
    const { Containerd, Stdio } = await import(${JSON.stringify(index)});
    const client = new Containerd({ address: ${JSON.stringify(labAddress())}, namespace: ${JSON.stringify(namespace)} });
    const warnings = [];
    process.on("warning", (w) => warnings.push(w.message));
    const subs = [];
    process.once("SIGINT", async () => {
      for (const s of subs) s.unsubscribe();
      await client[Symbol.asyncDispose]();
      console.log("disposed " + JSON.stringify({ warnings, active: client.callStats.active }));
    });
    console.log("armed");
    const args = ["sh", "-c", "i=0; while true; do echo line $i; echo err $i >&2; i=$((i+1)); done"];
    for (let j = 0; j < 4; j++) {
      const io = j % 2 === 0 ? { io: Stdio.pipe() } : {};
      subs.push(client.run$("job-${iteration}-" + j, { image: ${JSON.stringify(BUSYBOX)}, args, ...io }).subscribe({
        next: (e) => { if (e.type !== "output") console.log(e.type + " " + e.containerId); },
        error: (e) => console.log("error " + e.message),
      }));
    }
  `;
}

async function residue(): Promise<{ containers: string[]; tasks: string[]; snapshots: string[]; leases: string[] }> {
  const s = client.services;
  return {
    containers: (await lastValueFrom(s.containers.list$({}))).containers.map((c) => c.id),
    tasks: (await lastValueFrom(s.tasks.list$({}))).tasks.map((t) => t.id),
    snapshots: (await lastValueFrom(s.snapshots.list$({ snapshotter: "overlayfs" }))).info
      .map((i) => i.name)
      .filter((n) => !n.startsWith("sha256:")),
    leases: (await lastValueFrom(s.leases.list$({}))).leases.map((l) => l.id),
  };
}

function ctrView(namespace: string): string {
  const ctr = (...args: string[]) =>
    execFileSync("ctr", ["-a", labAddress(), "-n", namespace, ...args], { encoding: "utf8" }).trim();
  return [ctr("containers", "ls", "-q"), ctr("tasks", "ls", "-q"), ctr("leases", "ls", "-q")]
    .filter(Boolean)
    .join("\n");
}

function shims(namespace: string): number {
  try {
    return execFileSync("pgrep", ["-f", `containerd-shim-runc-v2 -namespace ${namespace} `])
      .toString()
      .trim()
      .split("\n")
      .filter(Boolean).length;
  } catch {
    return 0;
  }
}

test("SIGINT at random points, then unsubscribe + await asyncDispose: the process exits and leaves nothing (6 iterations)", async (t) => {
  const delays: number[] = [];
  const exitMs: number[] = [];
  for (let i = 0; i < 6; i++) {
    // Spread over creation, start, and steady output; the last ones after every job started.
    const delay = Math.round(Math.random() * 1500) + (i >= 4 ? 1500 : 0);
    delays.push(delay);
    const child = spawn(process.execPath, ["--input-type=module", "-e", childScript(client.namespace, i)], {
      stdio: ["ignore", "pipe", "pipe"],
      env: process.env,
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    try {
      const end = Date.now() + 20_000;
      while (!stdout.includes("armed")) {
        assert.ok(Date.now() < end, `iteration ${i}: the child did not arm its SIGINT handler in 20 s: ${stderr}`);
        await new Promise((r) => setTimeout(r, 10));
      }
      await new Promise((r) => setTimeout(r, delay)); // the random point (not a synchronisation)
      const signalled = performance.now();
      child.kill("SIGINT");
      let timer: NodeJS.Timeout | undefined;
      const code = await Promise.race([
        exited,
        new Promise<"hung">((r) => (timer = setTimeout(() => r("hung"), 30_000))),
      ]);
      clearTimeout(timer);
      exitMs.push(Math.round(performance.now() - signalled));
      assert.notEqual(
        code,
        "hung",
        `iteration ${i} (SIGINT after ${delay} ms): the child did not exit within 30 s of SIGINT\n${stdout}\n${stderr}`,
      );
      assert.equal(code, 0, `iteration ${i}: exit code\n${stdout}\n${stderr}`);
      const disposed = /disposed (.*)/.exec(stdout);
      assert.ok(disposed, `iteration ${i}: dispose did not finish\n${stdout}\n${stderr}`);
      const report = JSON.parse(disposed[1] ?? "{}") as { warnings: string[]; active: number };
      assert.deepEqual(report.warnings, [], `iteration ${i}: dispose reported leftovers`);
      assert.equal(report.active, 0, "no call left open");
      const left = await residue();
      assert.deepEqual(
        left,
        { containers: [], tasks: [], snapshots: [], leases: [] },
        `iteration ${i} (SIGINT after ${delay} ms) left things behind\n${stdout}`,
      );
      assert.equal(ctrView(client.namespace), "", "ctr sees no container, task or lease");
      assert.equal(shims(client.namespace), 0, "no shim left");
      t.diagnostic(
        `iteration ${i}: SIGINT after ${delay} ms; child saw: ${stdout.split("\n").filter((l) => /^(created|started|exited|error)/.test(l)).length} events`,
      );
    } finally {
      child.kill("SIGKILL");
    }
  }
  t.diagnostic(`SIGINT delays ${delays.join(", ")} ms; SIGINT to exit (clean-up included) ${exitMs.join(", ")} ms`);
});

test("close$(): emits a clean report after a run$ clean-up finished; close() alone would have cut it short", async () => {
  const { client: c } = await labClient("close2", { image: true });
  try {
    const sub = c.run$("solo", { image: BUSYBOX, args: ["sleep", "600"] }).subscribe({ error: () => undefined });
    const deadline = Date.now() + 20_000;
    while ((await lastValueFrom(c.services.tasks.list$({}))).tasks.length === 0) {
      assert.ok(Date.now() < deadline, "the task did not appear within 20 s");
      await new Promise((r) => setTimeout(r, 20));
    }
    sub.unsubscribe(); // starts the clean-up in the background
    const report = await lastValueFrom(c.close$({ timeoutMs: 20_000 }));
    assert.deepEqual(report, { clean: true, leftovers: [] });
    assert.equal(c.callStats.active, 0);
    const r = await lastValueFrom(c.services.containers.list$({})).then(
      () => "ok",
      (e: unknown) => String(e),
    );
    assert.match(r, /client closed/, "the client is closed afterwards");
  } finally {
    // labClient's dispose needs an open client: do its checks with a fresh one.
    c.close();
    const fresh = new Containerd({ address: labAddress(), namespace: c.namespace });
    try {
      const s = fresh.services;
      const left = (await lastValueFrom(s.containers.list$({}))).containers.map((x) => x.id);
      const leases = (await lastValueFrom(s.leases.list$({}))).leases.map((l) => l.id);
      for (const img of (await lastValueFrom(s.images.list$({}))).images)
        await lastValueFrom(s.images.delete$({ name: img.name, sync: true }));
      assert.deepEqual([left, leases], [[], []], "no container or lease left");
      await lastValueFrom(fresh.namespaces.delete$(c.namespace));
    } finally {
      fresh.close();
    }
  }
});
