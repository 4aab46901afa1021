// Scenarios that must behave the same whichever way the daemon is reached (the lab's unix socket,
// or the mTLS proxy of test/support/remote-proxy.ts). Each takes a client on a fresh namespace
// holding the busybox image, and leaves nothing behind.
import assert from "node:assert/strict";
import { readFileSync, rmSync } from "node:fs";
import { basename, dirname } from "node:path";
import { Writable } from "node:stream";
import { filter, firstValueFrom, lastValueFrom, take, timeout, toArray } from "rxjs";
import { isEvent, Stdio, type Containerd } from "../../src/index.js";
import { liveEvents, PROBE_FILTER } from "./events.js";
import { BUSYBOX } from "./lab.js";

/** A bound on the events a scenario awaits, with a message instead of a hang. */
const within = <T>(ms: number, what: string) =>
  timeout<T, never>({
    first: ms,
    with: () => {
      throw new Error(`${what}: nothing within ${ms} ms`);
    },
  });

/** create, newTask (null IO), wait$ before start, start, exit 7, delete gives 7, container removed. */
export async function lifecycleNullIO(client: Containerd): Promise<void> {
  const c = await lastValueFrom(client.containers.create$("life", { image: BUSYBOX, args: ["sh", "-c", "exit 7"] }));
  const task = await lastValueFrom(c.newTask$({ io: Stdio.null() }));
  const exit$ = task.wait$();
  await lastValueFrom(task.start$());
  assert.equal((await lastValueFrom(exit$)).code, 7);
  assert.equal((await lastValueFrom(task.status$())).status, "stopped");
  assert.equal((await lastValueFrom(task.delete$())).code, 7);
  await lastValueFrom(c.delete$());
}

/**
 * run$ with a log file on the daemon's host: created, started, exited 3, and the file holds both
 * streams, stderr's line first.
 *
 * containerd's shim copies stdout and stderr into the one file from two goroutines, and the stdout
 * one closes the file when stdout ends: stderr that is still in its pipe then is lost
 * (`copyPipes` in containerd's runc shim, on 1.6, 1.7 and 2.x; `ctr run --log-uri` loses it as
 * often, 2 of 40 runs on 2.1.9 and 3 of 40 on 1.6.20). docs/io.md says so. So the process writes
 * stderr, waits (bounded, through a read-only bind mount of the log's directory) until its line is
 * in the file, and only then writes stdout and exits: the file's content is then certain.
 */
export async function runToLogFile(client: Containerd, logPath: string): Promise<void> {
  rmSync(logPath, { force: true });
  const inside = `/log/${basename(logPath)}`;
  try {
    const events = await lastValueFrom(
      client
        .run$("logged", {
          image: BUSYBOX,
          mounts: [{ destination: "/log", type: "bind", source: dirname(logPath), options: ["rbind", "ro"] }],
          args: [
            "sh",
            "-c",
            // exit 99: stderr's line did not reach the file within 10 s.
            `echo to-stderr >&2; i=0; until grep -q to-stderr ${inside}; do ` +
              `i=$((i+1)); [ $i -ge 1000 ] && exit 99; sleep 0.01; done; echo to-stdout; exit 3`,
          ],
          io: Stdio.logFile(logPath),
        })
        .pipe(toArray()),
    );
    assert.deepEqual(
      events.map((e) => e.type),
      ["created", "started", "exited"],
    );
    const exited = events[2];
    assert.ok(exited?.type === "exited", "the third event is the exit");
    assert.equal(exited.status.code, 3, "exit 99 means stderr's line never reached the file");
    // The shim's delete waits for the copies (2 s on 1.6 and 1.7, 10 s on 2.x), so the file is
    // complete once run$ is.
    assert.equal(readFileSync(logPath, "utf8"), "to-stderr\nto-stdout\n");
  } finally {
    rmSync(logPath, { force: true });
  }
}

/** namespaceEvents$ sees a task's create, start and exit (exit status 5) in order. */
export async function taskEvents(client: Containerd): Promise<void> {
  const live = await liveEvents(client, client.namespaceEvents$(['topic~="^/tasks/"', PROBE_FILTER]));
  try {
    const seen = firstValueFrom(
      live.events$.pipe(
        filter(
          (e) =>
            isEvent(e, "containerd.events.TaskCreate") ||
            isEvent(e, "containerd.events.TaskStart") ||
            isEvent(e, "containerd.events.TaskExit"),
        ),
        take(3),
        toArray(),
        within(15_000, "task events"),
      ),
    );
    await lastValueFrom(client.run$("evented", { image: BUSYBOX, args: ["sh", "-c", "exit 5"] }));
    const events = await seen;
    assert.deepEqual(
      events.map((e) => e.topic),
      ["/tasks/create", "/tasks/start", "/tasks/exit"],
    );
    const exit = events[2];
    assert.ok(exit && isEvent(exit, "containerd.events.TaskExit") && exit.event.exitStatus === 5);
  } finally {
    live.close();
  }
}

/** wait$ on a long-running task: SIGKILL gives 137, to the waiter subscribed before and to a late one. */
export async function waitKilled(client: Containerd): Promise<void> {
  const c = await lastValueFrom(client.containers.create$("waited", { image: BUSYBOX, args: ["sleep", "600"] }));
  const task = await lastValueFrom(c.newTask$());
  await lastValueFrom(task.start$());
  const exit$ = task.wait$();
  await lastValueFrom(task.kill$("SIGKILL"));
  assert.equal((await lastValueFrom(exit$.pipe(within(15_000, "wait$")))).code, 137);
  assert.equal((await lastValueFrom(task.wait$())).code, 137);
  await lastValueFrom(task.delete$());
  await lastValueFrom(c.delete$());
}

/**
 * Images and content: import an OCI archive (streamed into the content store) with unpack, read
 * it back (records, config, content), export it, delete it.
 */
export async function imageRoundTrip(client: Containerd, archivePath: string): Promise<void> {
  const name = "docker.io/library/busybox:remote";
  const done = await lastValueFrom(
    client.images.import$(archivePath, { unpack: true, baseName: "docker.io/library/busybox" }).pipe(
      filter((p) => p.type === "done"),
      toArray(),
    ),
  );
  assert.ok(done.length >= 1, "one image imported");
  const imported = done[0];
  assert.ok(imported?.type === "done");
  const image = await lastValueFrom(client.images.get$(imported.image.name));
  await lastValueFrom(client.images.create$(name, image.target));
  const config = await lastValueFrom((await lastValueFrom(client.images.get$(name))).config$());
  assert.ok(config.rootfs.diff_ids.length >= 1, "config has layers");
  const manifest = await lastValueFrom(client.content.read$(image.target.digest).pipe(toArray()));
  assert.ok(Buffer.concat(manifest).length === Number(image.target.size), "content read$ gives the whole blob");
  let exported = 0;
  await lastValueFrom(
    client.images.export$(
      [name],
      new Writable({
        write(chunk: Buffer, _enc, cb) {
          exported += chunk.length;
          cb();
        },
      }),
    ),
  );
  assert.ok(exported > 100_000, `export wrote the layers (${exported} bytes)`);
  await lastValueFrom(client.images.delete$(name, { sync: true }));
  await lastValueFrom(client.images.delete$(imported.image.name, { sync: true }));
}
