// Soak (not run in CI): RXC_SOAK_N (5000) `/bin/true` tasks, RXC_SOAK_PAR (8) at a time, each with
// wait$() before start$(); every exit must be delivered with code 0. With RXC_SOAK_RESTART_EVERY=M
// the lab daemon is killed (SIGKILL) and started again (scripts/lab kill / start) after every M
// started tasks, while tasks are in flight. Prints counts, then one JSON line; exits 1 on a miss.
//   node build/bench/soak.js  (inside a lab: eval "$(bash scripts/lab env)")
import { execFileSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { from, lastValueFrom, mergeMap, throwError, timeout, toArray } from "rxjs";
import { isAlreadyExists, isNotFound, isUnavailable, retryWithBackoff, type Containerd } from "../src/index.js";
import { benchClient, IMAGE } from "./support.js";

const N = Number(process.env["RXC_SOAK_N"] ?? 5000);
const PAR = Number(process.env["RXC_SOAK_PAR"] ?? 8);
const RESTART_EVERY = Number(process.env["RXC_SOAK_RESTART_EVERY"] ?? 0);
const lab = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "scripts", "lab");

// not-started: the daemon died during start$ before the task ran (no exit to deliver; cleaned up).
type Outcome = "exit0" | "exit-other" | "notfound" | "error" | "timeout" | "not-started";

/** Retries an operation while the daemon is down (UNAVAILABLE), as an application would. */
const retried = <T>(op: () => Promise<T>): Promise<T> =>
  lastValueFrom(
    from([0]).pipe(
      mergeMap(() => op()),
      retryWithBackoff({ initialDelayMs: 100, maxDelayMs: 1000, maxRetries: 60, retryIf: isUnavailable }),
    ),
  );

/** A retried call that may have succeeded before the connection broke: AlreadyExists means it did. */
const orExisting = <T>(op: () => Promise<T>, existing: () => Promise<T>) =>
  retried(() => op().catch((e: unknown) => (isAlreadyExists(e) ? existing() : Promise.reject(e))));
const gone = (e: unknown) => {
  if (!isNotFound(e)) throw e;
};

async function one(client: Containerd, i: number, onStarted: () => Promise<void>): Promise<Outcome> {
  // A create$ cut by a restart rolls back what it can; what it could not (a snapshot) is left for
  // the final sweep, and the next attempt takes a fresh id.
  let attempt = 0;
  const c = await retried(() =>
    lastValueFrom(client.containers.create$(`soak-${i}-${attempt++}`, { image: IMAGE, args: ["/bin/true"] })),
  ).catch(() =>
    retried(() =>
      lastValueFrom(client.containers.create$(`soak-${i}-${attempt++}`, { image: IMAGE, args: ["/bin/true"] })),
    ),
  );
  try {
    // A newTask$ cut by a restart may leave a half-created task: clean it up, no exit is owed.
    const task = await orExisting(
      () => lastValueFrom(c.newTask$()),
      () => lastValueFrom(c.task$()),
    ).catch(() => undefined);
    if (!task) {
      await retried(() => lastValueFrom(client.services.tasks.delete$({ containerId: c.id }))).catch(() => undefined);
      return "not-started";
    }
    const exit = lastValueFrom(
      task.wait$().pipe(timeout({ first: 60_000, with: () => throwError(() => new Error("timeout")) })),
    ).then(
      (s): Outcome => (s.code === 0 ? "exit0" : "exit-other"),
      (e: unknown): Outcome => (isNotFound(e) ? "notfound" : String(e).includes("timeout") ? "timeout" : "error"),
    );
    // A start$ cut by the restart may have started the task: then its exit is still owed.
    const started = await retried(() => lastValueFrom(task.start$())).then(
      () => true,
      () =>
        retried(() => lastValueFrom(task.status$())).then(
          (s) => s.status !== "created",
          () => false,
        ),
    );
    await onStarted();
    if (!started) {
      await retried(() => lastValueFrom(task.delete$({ kill: true }))).catch(gone);
      return "not-started";
    }
    const outcome = await exit;
    await retried(() => lastValueFrom(task.delete$())).catch(gone);
    return outcome;
  } finally {
    await retried(() => lastValueFrom(c.delete$())).catch(gone);
  }
}

/** Removes what interrupted create$ calls left behind (containers, snapshots), so the namespace can go. */
async function sweep(client: Containerd): Promise<void> {
  for (const c of await lastValueFrom(client.containers.list$())) {
    await lastValueFrom(c.task$()).then(
      (t) => lastValueFrom(t.delete$({ kill: true })),
      () => undefined,
    );
    await lastValueFrom(c.delete$()).catch(gone);
  }
  const snaps = await lastValueFrom(client.services.snapshots.list$({ snapshotter: "overlayfs" }).pipe(toArray()));
  const keys = snaps.flatMap((r) => r.info.map((s) => s.name)).filter((k) => k.startsWith("soak-"));
  for (const key of keys)
    await lastValueFrom(client.services.snapshots.remove$({ snapshotter: "overlayfs", key })).catch(gone);
  if (keys.length) console.error(`soak: swept ${keys.length} snapshot(s) left by create$ calls cut by a restart`);
}

async function main(): Promise<void> {
  const { client, dispose } = await benchClient();
  const counts: Record<Outcome, number> = {
    exit0: 0,
    "exit-other": 0,
    notfound: 0,
    error: 0,
    timeout: 0,
    "not-started": 0,
  };
  let started = 0;
  let restarts = 0;
  let restarting: Promise<void> | undefined;
  const onStarted = async () => {
    started++;
    if (RESTART_EVERY > 0 && started % RESTART_EVERY === 0 && !restarting) {
      restarting = (async () => {
        execFileSync("bash", [lab, "kill"], { stdio: "inherit" });
        await new Promise((r) => setTimeout(r, 300));
        execFileSync("bash", [lab, "start"], { stdio: "inherit" });
        restarts++;
      })().finally(() => (restarting = undefined));
    }
  };
  const t0 = performance.now();
  const outcomes = await lastValueFrom(
    from(Array.from({ length: N }, (_, i) => i)).pipe(
      mergeMap(async (i) => {
        const o = await one(client, i, onStarted);
        counts[o]++;
        if ((i + 1) % 500 === 0) console.error(`soak: ${i + 1}/${N} ${JSON.stringify(counts)}`);
        return o;
      }, PAR),
      toArray(),
    ),
  );
  const s = (performance.now() - t0) / 1000;
  const summary = {
    n: N,
    par: PAR,
    restart_every: RESTART_EVERY,
    restarts,
    ...counts,
    seconds: Math.round(s),
    tasks_per_s: Math.round((N / s) * 10) / 10,
    event_streams_opened: client.eventStreamsOpened,
    wait_mode: client.waitMode ?? null,
    calls_started: client.callStats.started,
  };
  console.log(
    `soak: ${N} /bin/true tasks, ${PAR} at a time${RESTART_EVERY ? `, kill -9 + restart of the daemon every ${RESTART_EVERY} (${restarts} restarts)` : ""}: ` +
      `${counts.exit0} exits delivered with code 0, ${counts["exit-other"]} other codes, ${counts.notfound} NotFound, ${counts.error} errors, ${counts.timeout} timeouts, ${counts["not-started"]} not started (start$ cut by a restart); ${s.toFixed(0)} s`,
  );
  console.log(JSON.stringify({ rxcontainerd_soak: summary }));
  await sweep(client);
  await dispose();
  const lost =
    counts["exit-other"] +
    counts.error +
    counts.timeout +
    (RESTART_EVERY ? 0 : counts.notfound + counts["not-started"]);
  if (outcomes.length !== N || lost > 0) process.exitCode = 1;
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
