// rxctr, run as a binary against the lab daemon: output, exit codes, errors, clean-up after Ctrl-C.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { concatMap, lastValueFrom } from "rxjs";
import { STOP_SIGNAL_LABEL, type Containerd } from "../../src/index.js";
import { cli, startCli } from "../support/cli.js";
import { labClient } from "../support/lab.js";
import { waitFor } from "../support/wait-for.js";

let client: Containerd;
let dispose: () => Promise<void>;
let ns: string;
let tmp: string;
before(async () => {
  ({ client, dispose } = await labClient("cli", { image: true }));
  ns = client.namespace;
  tmp = mkdtempSync(join(tmpdir(), "rxc-cli-"));
});
after(async () => {
  rmSync(tmp, { recursive: true, force: true });
  await dispose();
});

/** rxctr in the test's namespace. */
const rx = (...args: string[]) => cli(["-n", ns, ...args]);

/** Nothing of container `id` is left: no container, task or snapshot. */
async function assertGone(id: string): Promise<void> {
  const containers = (await lastValueFrom(client.services.containers.list$({}))).containers.map((c) => c.id);
  assert.ok(!containers.includes(id), `container ${id} removed, have ${JSON.stringify(containers)}`);
  const tasks = (await lastValueFrom(client.services.tasks.list$({}))).tasks.map((t) => t.id);
  assert.ok(!tasks.includes(id), `task ${id} removed`);
  const snapshots = (await lastValueFrom(client.snapshots().list$())).map((s) => s.name);
  assert.ok(!snapshots.includes(id), `snapshot ${id} removed`);
}

/** Resolves once container `id`'s task is running. */
async function running(id: string): Promise<void> {
  await waitFor(
    async () => (await lastValueFrom(client.services.tasks.list$({}))).tasks.some((t) => t.id === id && t.status === 2),
    { message: `task ${id} running`, timeoutMs: 15_000 },
  );
}

test("version prints client and daemon versions; a bad address is one line on stderr and 125", async () => {
  const v = await rx("version");
  assert.equal(v.code, 0, v.stderr);
  assert.match(v.stdout, /Client:\n {2}Version: {2}\d+\.\d+\.\d+/);
  assert.match(v.stdout, /Server:\n {2}Version: {2}\d+\.\d+/);
  const bad = await cli(["--address", join(tmp, "nope.sock"), "version"]);
  assert.equal(bad.code, 125);
  const lines = bad.stderr.trim().split("\n");
  assert.equal(lines.length, 1, `one line, got ${bad.stderr}`);
  assert.match(lines[0]!, /^rxctr: version of the daemon at .*nope\.sock: .*cannot connect/);
  const debug = await cli(["--address", join(tmp, "nope.sock"), "--debug", "version"]);
  assert.match(debug.stderr, /\n\s+at /, "--debug prints the stack");
  const usage = await rx("frobnicate");
  assert.equal(usage.code, 125);
  assert.match(usage.stderr, /^rxctr: unknown command "frobnicate"/);
});

test("CONTAINERD_NAMESPACE is the default namespace", async () => {
  const viaEnv = await cli(["images", "ls", "-q"], { env: { CONTAINERD_NAMESPACE: ns } });
  assert.equal(viaEnv.stdout, "docker.io/library/busybox:latest\n", viaEnv.stderr);
});

test("run streams stdout and stderr apart, passes env, user and stdin, and exits with the container's code", async () => {
  const script = 'echo "$GREETING"; id -u; cat; echo oops >&2; exit 3';
  const r = await cli(
    ["-n", ns, "run", "--rm", "-i", "--env", "GREETING=hello", "--user", "1000:1000", "busybox", "sh", "-c", script],
    { input: "line one\nline two\n" },
  );
  assert.equal(r.code, 3, r.stderr);
  assert.equal(r.stdout, "hello\n1000\nline one\nline two\n");
  assert.equal(r.stderr, "oops\n");
});

test("run's spec flags: --net-host, --privileged, --read-only, --cpus, --memory-limit, --device, --env-file, --cap-*, --hostname", async () => {
  const envFile = join(tmp, "env");
  writeFileSync(envFile, "FROM_FILE=1\nSHARED=file\n");
  const r = await rx(
    ...["run", "--name", "flags", "--net-host", "--privileged", "--read-only", "--cpus", "1.5"],
    ...["--memory-limit", "268435456", "--device", "/dev/null", "--env-file", envFile, "--env", "SHARED=flag"],
    ...["--cap-drop", "CAP_SYS_ADMIN", "--hostname", "box", "busybox", "sh", "-c", 'echo "$HOSTNAME $SHARED"'],
  );
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, "box flag\n");
  const spec = await lastValueFrom(client.containers.load$("flags").pipe(concatMap((c) => c.spec$())));
  assert.ok(!spec.linux?.namespaces?.some((n) => n.type === "network"), "the host's network");
  assert.ok(
    spec.mounts?.some((m) => m.destination === "/etc/resolv.conf"),
    "the host's resolv.conf",
  );
  assert.equal(spec.hostname, "box");
  assert.equal(spec.root?.readonly, true);
  assert.deepEqual(spec.linux?.resources?.cpu, { quota: 150_000, period: 100_000 });
  assert.equal(spec.linux?.resources?.memory?.limit, 268_435_456);
  assert.ok(
    spec.linux?.devices?.some((d) => d.path === "/dev/null"),
    "the device",
  );
  assert.ok(
    spec.process?.env?.includes("FROM_FILE=1") && spec.process.env.includes("SHARED=flag"),
    "--env over --env-file",
  );
  assert.ok(!spec.process?.capabilities?.bounding?.includes("CAP_SYS_ADMIN"), "--cap-drop after --privileged");
  assert.ok(spec.process?.capabilities?.bounding?.includes("CAP_NET_ADMIN"), "--privileged's capabilities");
  assert.equal((await rx("rm", "flags")).code, 0);
  await assertGone("flags");
  for (const [flags, message] of [
    [["--cpus", "lots"], /--cpus "lots": expected a number of CPUs/],
    [["--cpus", "0"], /--cpus "0": expected a number of CPUs/],
    [["--memory-limit", "1G"], /--memory-limit "1G": expected bytes/],
    [["--cap-add", "NET_ADMIN"], /--cap-add "NET_ADMIN": expected a CAP_ name/],
  ] as const) {
    const bad = await rx("run", "--rm", "--name", "bad-flag", ...flags, "busybox", "true");
    assert.equal(bad.code, 125, bad.stderr);
    assert.match(bad.stderr, message);
  }
  const noDevice = await rx("run", "--rm", "--name", "no-device", "--device", "/dev/no-such-device", "busybox", "true");
  assert.equal(noDevice.code, 125);
  assert.match(noDevice.stderr, /device path "\/dev\/no-such-device"/);
  await assertGone("bad-flag");
  await assertGone("no-device");
});

test("stop sends the stop signal and reports the id; kill without -s sends the container's stop-signal label", async () => {
  const traps = "trap 'exit 7' TERM; trap 'exit 10' USR1; touch /tmp/ready; while true; do sleep 0.05; done";
  for (const id of ["stopper", "killer"]) {
    const d = await rx("run", "-d", "--name", id, "busybox", "sh", "-c", traps);
    assert.equal(d.code, 0, d.stderr);
    await waitFor(async () => (await rx("exec", id, "test", "-e", "/tmp/ready")).code === 0, {
      message: `${id}: traps set`,
      timeoutMs: 15_000,
    });
  }
  const asApp = await rx("exec", "--user", "app", "stopper", "id", "-G");
  assert.equal(asApp.code, 0, asApp.stderr);
  assert.equal(asApp.stdout, "1000 10\n", "exec --user takes names, with the user's groups");
  const container = await lastValueFrom(client.containers.load$("stopper"));
  assert.equal((await lastValueFrom(container.labels$()))[STOP_SIGNAL_LABEL], "SIGTERM", "run labels it as ctr run");
  const stop = await rx("stop", "-t", "5", "stopper", "absent");
  assert.equal(stop.code, 125);
  assert.equal(stop.stdout, "stopper\n");
  assert.match(stop.stderr, /^rxctr: container "absent": .*not found/);
  assert.equal((await lastValueFrom(container.task$().pipe(concatMap((t) => t.status$())))).exitStatus, 7);
  const killer = await lastValueFrom(client.containers.load$("killer"));
  await lastValueFrom(killer.setLabels$({ [STOP_SIGNAL_LABEL]: "SIGUSR1" }));
  const task = await lastValueFrom(killer.task$());
  const exit$ = task.wait$();
  const kill = await rx("kill", "killer");
  assert.equal(kill.code, 0, kill.stderr);
  assert.equal((await lastValueFrom(exit$)).code, 10, "SIGUSR1 from the label");
  const bad = await rx("stop", "-t", "soon", "killer");
  assert.equal(bad.code, 125);
  assert.match(bad.stderr, /stop -t "soon": expected seconds/);
  for (const command of ["stop", "kill"]) {
    const badSignal = await rx(command, "-s", "SIGNOPE", "killer");
    assert.equal(badSignal.code, 125, `${command} -s SIGNOPE`);
    assert.match(badSignal.stderr, new RegExp(`^rxctr: ${command}: .*SIGNOPE`));
  }
  assert.equal((await rx("rm", "stopper", "killer")).code, 0);
  await assertGone("stopper");
  await assertGone("killer");
});

test("pause, unpause, top and inspect", async () => {
  const d = await rx("run", "-d", "--name", "box", "busybox", "sh", "-c", "sleep 600 & wait");
  assert.equal(d.code, 0, d.stderr);
  await running("box");
  const top = await rx("top", "box");
  assert.equal(top.code, 0, top.stderr);
  const rows = top.stdout.trim().split("\n");
  assert.match(rows[0]!, /^PID +EXEC$/);
  assert.equal(rows.length, 3, `sh and its sleep: ${top.stdout}`);
  const task = await lastValueFrom(client.containers.load$("box").pipe(concatMap((c) => c.task$())));
  assert.match(top.stdout, new RegExp(`^${task.pid} +-$`, "m"), "the task's own pid, no exec id");
  const pause = await rx("pause", "box", "absent");
  assert.equal(pause.code, 125);
  assert.equal(pause.stdout, "box\n");
  assert.match(pause.stderr, /^rxctr: container "absent": .*not found/);
  assert.equal((await lastValueFrom(task.status$())).status, "paused");
  const inspect = await rx("inspect", "box");
  assert.equal(inspect.code, 0, inspect.stderr);
  const [info] = JSON.parse(inspect.stdout) as {
    id: string;
    image: string;
    labels: Record<string, string>;
    spec: { process: { args: string[] } };
    task: { pid: number; status: string } | null;
  }[];
  assert.equal(info?.id, "box");
  assert.equal(info?.image, "docker.io/library/busybox:latest");
  assert.deepEqual(info?.spec.process.args, ["sh", "-c", "sleep 600 & wait"]);
  assert.deepEqual(info?.task && { pid: info.task.pid, status: info.task.status }, { pid: task.pid, status: "paused" });
  const unpause = await rx("unpause", "box");
  assert.equal(unpause.code, 0, unpause.stderr);
  assert.equal((await lastValueFrom(task.status$())).status, "running");
  assert.equal((await rx("rm", "-f", "box")).code, 0);
  await assertGone("box");
  const none = await rx("inspect", "box");
  assert.equal(none.code, 125);
  assert.match(none.stderr, /^rxctr: container "box": .*not found/);
});

test("a command missing from the image exits 127 with one line naming the container; nothing is left", async () => {
  const r = await rx("run", "--rm", "--name", "missing", "busybox", "no-such-binary");
  assert.equal(r.code, 127, r.stderr);
  const lines = r.stderr.trim().split("\n");
  assert.equal(lines.length, 1, r.stderr);
  assert.match(
    lines[0]!,
    /^rxctr: container "missing" \(image docker\.io\/library\/busybox:latest\): .*no-such-binary.*not found/,
  );
  await assertGone("missing");
  const noImage = await rx("run", "--rm", "no/such-image", "true");
  assert.equal(noImage.code, 125);
  assert.match(
    noImage.stderr,
    /^rxctr: container "rxctr-[0-9a-f]+" \(image docker\.io\/no\/such-image:latest\): .*not found/,
  );
});

test("run without --rm keeps the stopped container; ps, rm", async () => {
  const r = await rx("run", "--name", "kept", "busybox", "true");
  assert.equal(r.code, 0, r.stderr);
  const ps = await rx("ps");
  assert.match(ps.stdout, /^CONTAINER +IMAGE +PID +STATUS\nkept +docker\.io\/library\/busybox:latest +- +no task\n$/);
  const rm = await rx("rm", "kept", "absent");
  assert.equal(rm.code, 125);
  assert.equal(rm.stdout, "kept\n");
  assert.match(rm.stderr, /^rxctr: container "absent": .*not found/);
  await assertGone("kept");
});

test("run -d, exec, kill, logs -f, rm -f", async () => {
  const log = join(tmp, "web.log");
  const d = await rx(
    "run",
    "-d",
    "--name",
    "web",
    "--log-file",
    log,
    "busybox",
    "sh",
    "-c",
    "trap 'echo bye; exit 7' TERM; echo up; while true; do sleep 0.1; done",
  );
  assert.equal(d.code, 0, d.stderr);
  assert.equal(d.stdout, "web\n");
  const ex = await rx("exec", "web", "sh", "-c", "echo in; exit 4");
  assert.equal(ex.code, 4, ex.stderr);
  assert.equal(ex.stdout, "in\n");
  const missing = await rx("exec", "web", "nope");
  assert.equal(missing.code, 127, missing.stderr);
  assert.match(missing.stderr, /^rxctr: exec "nope" in container "web": /);
  const follow = startCli(["-n", ns, "logs", "-f", "web"]);
  await waitFor(() => follow.stdout().includes("up\n"), { message: "logs -f shows the output so far" });
  const refused = await rx("rm", "web");
  assert.equal(refused.code, 125);
  assert.match(refused.stderr, /task is running: stop it first/);
  const kill = await rx("kill", "-s", "TERM", "web");
  assert.equal(kill.code, 0, kill.stderr);
  const followed = await follow.result();
  assert.equal(followed.code, 0, followed.stderr);
  assert.equal(followed.stdout, "up\nbye\n", "logs -f follows until the task exits");
  const again = await rx("run", "-d", "--name", "web2", "busybox", "sleep", "60");
  assert.equal(again.code, 0, again.stderr);
  const noLog = await rx("logs", "web2");
  assert.equal(noLog.code, 125);
  assert.match(noLog.stderr, /container "web2": its task has no log file/);
  const rm = await rx("rm", "-f", "web", "web2");
  assert.equal(rm.code, 0, rm.stderr);
  await assertGone("web");
  await assertGone("web2");
});

test("Ctrl-C sends SIGTERM to the task; the container goes, and run exits with the task's code", async () => {
  const run = startCli([
    "-n",
    ns,
    "run",
    "--rm",
    "--name",
    "int1",
    "busybox",
    "sh",
    "-c",
    "trap 'exit 42' TERM; echo ready; sleep 60 & wait",
  ]);
  // The trap is set once "ready" is out (a running task may not have set it yet: PID 1 without a
  // handler ignores SIGTERM).
  await waitFor(() => run.stdout().includes("ready\n"), { message: "int1: trap set", timeoutMs: 15_000 });
  run.child.kill("SIGINT");
  const r = await run.result();
  assert.equal(r.code, 42, r.stderr);
  await assertGone("int1");
});

test("a second Ctrl-C sends SIGKILL; clean-up either way", async () => {
  const script = "trap 'echo got-term' TERM; echo ready; while true; do sleep 0.1; done";
  const run = startCli(["-n", ns, "run", "--rm", "--name", "int2", "busybox", "sh", "-c", script]);
  await waitFor(() => run.stdout().includes("ready\n"), { message: "int2: trap set", timeoutMs: 15_000 });
  run.child.kill("SIGINT");
  await waitFor(() => run.stdout().includes("got-term"), { message: "the first Ctrl-C is a SIGTERM the task traps" });
  assert.equal(run.child.exitCode, null, "still running after the first Ctrl-C");
  run.child.kill("SIGINT");
  const r = await run.result();
  assert.equal(r.code, 137, r.stderr);
  await assertGone("int2");
});

test("Ctrl-C before the task starts rolls the run back", async () => {
  // if the task wins the race and starts, the Ctrl-C is its SIGTERM, which it obeys
  const script = "trap 'exit 143' TERM; sleep 60 & wait";
  const run = startCli(["-n", ns, "run", "--rm", "--name", "int3", "busybox", "sh", "-c", script]);
  await waitFor(
    async () => (await lastValueFrom(client.services.containers.list$({}))).containers.some((c) => c.id === "int3"),
    { message: "container int3 created", timeoutMs: 15_000, intervalMs: 2 },
  );
  run.child.kill("SIGINT");
  const r = await run.result();
  assert.ok(r.code === 130 || r.code === 143, `exit ${r.code}: ${r.stderr}`);
  await assertGone("int3");
});

test("events: pretty lines, --json one object per line, --filter", async () => {
  const ev = startCli(["-n", ns, "events", "--json", "--filter", `namespace==${ns}`]);
  const pretty = startCli(["-n", ns, "events", "--filter", `topic~="^/(containers|images)/"`]);
  // the streams are open once they show a probe event (an image label update, made in-process)
  let probe = 0;
  await waitFor(
    async () => {
      const labels = { probe: String(probe++) };
      await lastValueFrom(client.images.update$("docker.io/library/busybox:latest", { labels }));
      return ev.stdout().includes('"topic":"/images/update"') && pretty.stdout().includes("/images/update");
    },
    { message: "both event streams see a probe event", timeoutMs: 15_000, intervalMs: 100 },
  );
  await rx("run", "--rm", "--name", "evt", "busybox", "sh", "-c", "exit 5");
  await waitFor(() => ev.stdout().includes('"containerId":"evt"') && ev.stdout().includes('"exitStatus":5'), {
    message: "TaskExit of evt",
  });
  ev.child.kill("SIGINT");
  pretty.child.kill("SIGINT");
  const [j, p] = await Promise.all([ev.result(), pretty.result()]);
  assert.equal(j.code, 0);
  const objects = j.stdout
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as { namespace: string; topic: string });
  assert.ok(
    objects.every((o) => o.namespace === ns),
    "--filter applied",
  );
  assert.ok(objects.some((o) => o.topic === "/tasks/exit"));
  assert.match(
    p.stdout,
    new RegExp(
      `^\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z  ${ns}  /containers/create  id=evt image=docker.io/library/busybox:latest`,
      "m",
    ),
  );
  assert.ok(!p.stdout.includes("/tasks/"), "only the filtered topic");
});

test("namespaces create|ls|rm and images export|import|unpack|ls|rm", async () => {
  const name = `${ns}-extra`;
  const other = ["-n", name];
  const admin = client.withNamespace(name);
  try {
    assert.equal((await rx("namespaces", "create", name)).code, 0);
    const archive = join(tmp, "busybox.tar");
    const ex = await rx("images", "export", archive, "busybox");
    assert.equal(ex.code, 0, ex.stderr);
    const imp = await cli([...other, "images", "import", "--no-unpack", archive]);
    assert.equal(imp.code, 0, imp.stderr);
    assert.match(imp.stdout, /^done docker\.io\/library\/busybox:latest$/m);
    const unpack = await cli([...other, "images", "unpack", "busybox"]);
    assert.equal(unpack.code, 0, unpack.stderr);
    assert.match(unpack.stdout, /^unpacked layer 0 sha256:[0-9a-f]{64}\ndone docker\.io\/library\/busybox:latest\n$/);
    const ls = await cli([...other, "images", "ls"]);
    assert.match(
      ls.stdout,
      /^NAME +DIGEST +SIZE +PLATFORMS\ndocker\.io\/library\/busybox:latest +sha256:[0-9a-f]{12} +[\d.]+ KiB +linux\/amd64\n$/,
    );
    const rm = await cli([...other, "images", "rm", "--sync", "busybox"]);
    assert.equal(rm.stdout, "docker.io/library/busybox:latest\n", rm.stderr);
    assert.match((await rx("namespaces", "ls", "-q")).stdout, new RegExp(`^${name}$`, "m"));
    assert.equal((await rx("namespaces", "rm", name)).stdout, `${name}\n`);
  } finally {
    // on failure: what the commands above did not remove
    await lastValueFrom(admin.images.delete$("docker.io/library/busybox:latest", { sync: true })).catch(
      () => undefined,
    );
    await lastValueFrom(admin.namespaces.delete$(name)).catch(() => undefined);
  }
});
