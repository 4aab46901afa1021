// The pipeline operators against the lab daemon: restartOnExit, killAfter (SIGTERM ignored ->
// SIGKILL), lines on real multi-byte stdout, exitCode, throwOnNonZeroExit, and mapJobs with a
// bound and an unsubscribe part way that leaves no container, task or snapshot behind.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { from, lastValueFrom, map, toArray, type Subscription } from "rxjs";
import {
  exitCode,
  isExitCodeError,
  killAfter,
  lines,
  mapJobs,
  restartOnExit,
  Stdio,
  throwOnNonZeroExit,
  type Containerd,
  type RunEvent,
} from "../../src/index.js";
import { BUSYBOX, labClient } from "../support/lab.js";
import { settle } from "../support/settle.js";
import { waitFor } from "../support/wait-for.js";

let client: Containerd;
let dispose: () => Promise<void>;
before(async () => ({ client, dispose } = await labClient("ops", { image: true })));
after(async () => dispose());

/** Containers, tasks and overlayfs snapshots of the namespace (snapshots of the image's layers aside). */
async function leftovers(): Promise<string[]> {
  const s = client.services;
  const containers = (await lastValueFrom(s.containers.list$({}))).containers.map((c) => `container ${c.id}`);
  const tasks = (await lastValueFrom(s.tasks.list$({}))).tasks.map((t) => `task ${t.id}`);
  const snaps: string[] = [];
  await new Promise<void>((resolve, reject) =>
    s.snapshots.list$({ snapshotter: "overlayfs" }).subscribe({
      next: (r) => snaps.push(...r.info.filter((i) => i.kind !== 3 /* committed: image layers */).map((i) => i.name)),
      error: reject,
      complete: resolve,
    }),
  );
  return [...containers, ...tasks, ...snaps.map((n) => `snapshot ${n}`)];
}

const nothingLeft = () =>
  waitFor(async () => (await leftovers()).length === 0, {
    message: "no container, task or active snapshot left in the namespace",
    timeoutMs: 15_000,
  });

test("restartOnExit + exitCode: a container failing twice runs three times, then its success ends the stream", async () => {
  const state = mkdtempSync(join(tmpdir(), "rxc-restart-"));
  try {
    // The count survives the runs in a bind mount: exits 1, 1, then 0.
    const script = 'n=$(cat /state/n 2>/dev/null || echo 0); n=$((n+1)); echo $n > /state/n; [ "$n" -ge 3 ]';
    const events: RunEvent[] = [];
    const codes = await lastValueFrom(
      client
        .run$("flaky", {
          image: BUSYBOX,
          args: ["sh", "-c", script],
          mounts: [{ type: "bind", source: state, destination: "/state", options: ["rbind", "rw"] }],
        })
        .pipe(
          map((e) => (events.push(e), e)),
          restartOnExit({ maxRestarts: 5, backoff: 50 }),
          exitCode(),
          toArray(),
        ),
    );
    assert.deepEqual(codes, [1, 1, 0]);
    assert.equal(events.filter((e) => e.type === "created").length, 3, "three containers, one after the other");
    await nothingLeft();
  } finally {
    rmSync(state, { recursive: true, force: true });
  }
});

test("killAfter: SIGTERM ignored -> SIGKILL after the grace (137); a process that obeys SIGTERM exits by itself", async () => {
  const stubborn = await lastValueFrom(
    client
      .run$("stubborn", { image: BUSYBOX, args: ["sh", "-c", 'trap "" TERM; sleep 600'] })
      .pipe(killAfter(200, { grace: 500 }), exitCode()),
  );
  assert.equal(stubborn, 137, "killed by SIGKILL");
  const polite = await lastValueFrom(
    client
      .run$("polite", { image: BUSYBOX, args: ["sh", "-c", 'trap "exit 42" TERM; sleep 600 & wait'] })
      .pipe(killAfter(200, { grace: 60_000 }), exitCode()),
  );
  assert.equal(polite, 42, "its TERM trap ran; no SIGKILL was needed");
  await nothingLeft();
});

test("lines: real stdout of multi-byte text in many chunks, the last line without a newline", async () => {
  const n = 4000;
  const script = `i=0; while [ $i -lt ${n} ]; do echo "Zeile $i: grüße 🐳 ünïcødé"; i=$((i+1)); done; printf 'letzte Zeile ✓'`;
  let chunks = 0;
  const got = await lastValueFrom(
    client.run$("lines", { image: BUSYBOX, args: ["sh", "-c", script], io: Stdio.pipe() }).pipe(
      map((e) => (e.type === "output" && chunks++, e)),
      lines(),
      toArray(),
    ),
  );
  assert.equal(got.length, n + 1);
  for (let i = 0; i < n; i++) assert.equal(got[i], `Zeile ${i}: grüße 🐳 ünïcødé`);
  assert.equal(got[n], "letzte Zeile ✓");
  assert.ok(chunks > 1, `the output came in several chunks (${chunks})`);
  await nothingLeft();
});

test("throwOnNonZeroExit: exit 3 is an ExitCodeError with the status and container; the container is removed", async () => {
  const r = await settle(
    lastValueFrom(client.run$("fails", { image: BUSYBOX, args: ["sh", "-c", "exit 3"] }).pipe(throwOnNonZeroExit())),
  );
  assert.ok(isExitCodeError(r.error), String(r.error));
  assert.equal(r.error.exitCode, 3);
  assert.equal(r.error.status.code, 3);
  assert.equal(r.error.containerId, "fails");
  const ok = await lastValueFrom(
    client.run$("succeeds", { image: BUSYBOX, args: ["true"] }).pipe(throwOnNonZeroExit(), exitCode()),
  );
  assert.equal(ok, 0);
  await nothingLeft();
});

test("mapJobs(2): 6 jobs never more than 2 at a time; all exit codes arrive", async () => {
  let running = 0;
  let most = 0;
  const codes = await lastValueFrom(
    from([0, 1, 2, 3, 4, 5]).pipe(
      map((i) => client.run$(`job-${i}`, { image: BUSYBOX, args: ["sh", "-c", `exit ${i}`] })),
      mapJobs<RunEvent>(2),
      map((e) => {
        if (e.type === "created") most = Math.max(most, ++running);
        if (e.type === "exited") running--;
        return e;
      }),
      exitCode(),
      toArray(),
    ),
  );
  assert.deepEqual([...codes].sort(), [0, 1, 2, 3, 4, 5]);
  assert.ok(most <= 2, `at most 2 containers at once (saw ${most})`);
  await nothingLeft();
});

test("mapJobs(2): unsubscribing with 2 of 6 long jobs running leaves no container, task or snapshot", async () => {
  const started = new Set<string>();
  let sub: Subscription | undefined;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("two jobs did not start within 15 s")), 15_000);
    sub = from([0, 1, 2, 3, 4, 5])
      .pipe(
        map((i) => client.run$(`long-${i}`, { image: BUSYBOX, args: ["sleep", "600"] })),
        mapJobs<RunEvent>(2),
      )
      .subscribe({
        next: (e) => {
          if (e.type !== "started") return;
          started.add(e.containerId);
          if (started.size === 2) {
            clearTimeout(timer);
            resolve();
          }
        },
        error: reject,
      });
  });
  const live = (await lastValueFrom(client.containers.list$())).map((c) => c.id).sort();
  assert.deepEqual(live, ["long-0", "long-1"], "only the first two jobs were started");
  sub?.unsubscribe();
  await nothingLeft();
});
