// task.stop$ against the lab daemon: the stop signal (given, from the stop-signal label, SIGTERM),
// SIGKILL after the grace period, an exited task. (An unsubscribe that sends nothing more is
// marble-tested on the fake: test/unit/stop-fake.test.ts.)
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { lastValueFrom } from "rxjs";
import {
  STOP_SIGNAL_LABEL,
  type Container,
  type Containerd,
  type CreateContainerOptions,
  type Task,
} from "../../src/index.js";
import { BUSYBOX, labClient } from "../support/lab.js";
import { waitFor } from "../support/wait-for.js";

let client: Containerd;
let dispose: () => Promise<void>;
before(async () => ({ client, dispose } = await labClient("stop", { image: true })));
after(async () => dispose());

/** Exits with 7 on SIGTERM and 10 on SIGUSR1, once /tmp/ready says its traps are set. */
const TRAPS = [
  "sh",
  "-c",
  "trap 'exit 7' TERM; trap 'exit 10' USR1; touch /tmp/ready; while true; do sleep 0.05; done",
];

/** Runs `test -e /tmp/ready` in the task; true when it exits 0. */
async function ready(task: Task): Promise<boolean> {
  const proc = await lastValueFrom(
    task.exec$(`probe-${randomBytes(4).toString("hex")}`, { args: ["test", "-e", "/tmp/ready"] }),
  );
  const exit$ = proc.wait$();
  await lastValueFrom(proc.start$());
  const { code } = await lastValueFrom(exit$);
  await lastValueFrom(proc.delete$());
  return code === 0;
}

/** Create and start; with TRAPS, wait (bounded) until the traps are set. */
async function started(
  id: string,
  options: Partial<CreateContainerOptions>,
): Promise<{ container: Container; task: Task }> {
  const container = await lastValueFrom(client.containers.create$(id, { image: BUSYBOX, ...options }));
  const task = await lastValueFrom(container.newTask$());
  await lastValueFrom(task.start$());
  if (options.args === TRAPS) await waitFor(() => ready(task), { message: `${id}: traps set`, timeoutMs: 10_000 });
  return { container, task };
}

async function remove(container: Container, task: Task): Promise<void> {
  await lastValueFrom(task.delete$({ kill: true }));
  await lastValueFrom(container.delete$());
}

test("stop$ sends SIGTERM by default: the trap's exit code; the task stays, stopped", async () => {
  const { container, task } = await started("term", { args: TRAPS });
  assert.equal((await lastValueFrom(task.stop$())).code, 7);
  assert.equal((await lastValueFrom(task.status$())).status, "stopped");
  assert.equal((await lastValueFrom(task.delete$())).code, 7);
  await lastValueFrom(container.delete$());
});

test("stop$ sends the container's stop-signal label (imageStopSignal), or the stopSignal option", async () => {
  const labelled = await started("label", { args: TRAPS, imageStopSignal: "SIGUSR1" });
  assert.equal(
    (await lastValueFrom(labelled.container.labels$()))[STOP_SIGNAL_LABEL],
    "SIGUSR1",
    "busybox has no StopSignal",
  );
  assert.equal((await lastValueFrom(labelled.task.stop$())).code, 10);
  await remove(labelled.container, labelled.task);
  const given = await started("given", { args: TRAPS, labels: { [STOP_SIGNAL_LABEL]: "SIGUSR1" } });
  assert.equal((await lastValueFrom(given.task.stop$({ stopSignal: "SIGTERM" }))).code, 7);
  await remove(given.container, given.task);
});

test("stop$ of a PID 1 that ignores SIGTERM: SIGKILL after graceMs, code 137", async () => {
  const { container, task } = await started("stubborn", { args: ["sleep", "600"] });
  assert.equal((await lastValueFrom(task.stop$({ graceMs: 300 }))).code, 137);
  await remove(container, task);
});

test("stop$ of a task that has exited emits its status at once", async () => {
  const { container, task } = await started("done", { args: ["sh", "-c", "exit 4"] });
  assert.equal((await lastValueFrom(task.wait$())).code, 4);
  assert.equal((await lastValueFrom(task.stop$())).code, 4);
  await remove(container, task);
});
