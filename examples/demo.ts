// The main job: talk to a containerd (the lab's, via $CONTAINERD_ADDRESS) and run real containers
// through rxcontainerd. Run it with `bash scripts/demo.sh` on a fresh machine.
import { concatMap, lastValueFrom, map, of, tap, toArray } from "rxjs";
import { Containerd, isNotFound, Stdio, withHostname, withMemoryLimit, type RunEvent } from "../src/index.js";

const IMAGE = "docker.io/library/busybox:latest";

async function main(): Promise<void> {
  await using client = new Containerd({ namespace: "default" });
  const v = await lastValueFrom(client.version$());
  console.log(`containerd ${v.version} at ${client.address}, namespace ${client.namespace}`);

  // 1. run$: create -> new task -> hot wait -> start, then clean up; every step is an event.
  const events = await lastValueFrom(
    client
      .run$("demo-hello", {
        image: IMAGE,
        args: ["sh", "-c", "echo hello from $(hostname) > /dev/null; exit 3"],
        spec: [withHostname("demo"), withMemoryLimit(64 * 1024 * 1024)],
      })
      .pipe(
        tap((e: RunEvent) => console.log("  run$:", describe(e))),
        toArray(),
      ),
  );
  const exited = events.find((e) => e.type === "exited");
  console.log(`run$ finished: exit code ${exited?.type === "exited" ? exited.status.code : "?"}`);

  // 2. Piped IO: stdin from an Observable, stdout/stderr as `output` events, exit after EOF.
  await lastValueFrom(
    client
      .run$("demo-pipes", {
        image: IMAGE,
        args: ["sh", "-c", "echo hello from $(hostname); tr a-z A-Z; echo done >&2"],
        spec: [withHostname("piped")],
        io: Stdio.pipe({ stdin: of("shouted through a FIFO\n") }),
      })
      .pipe(tap((e: RunEvent) => console.log("  run$ (piped):", describe(e)))),
    { defaultValue: undefined },
  );

  // 3. The same by hand, with an exec, composed as one Observable pipeline.
  const code = await lastValueFrom(
    client.containers.create$("demo-sleeper", { image: IMAGE, args: ["sleep", "30"] }).pipe(
      concatMap((container) =>
        container.newTask$().pipe(
          concatMap((task) =>
            task.start$().pipe(
              concatMap(() => task.exec$("probe", { args: ["sh", "-c", "test -d /proc/1 && exit 42"] })),
              concatMap((probe) => {
                const exit$ = probe.wait$(); // hot: watching before start
                return probe.start$().pipe(
                  concatMap(() => exit$),
                  concatMap((s) => probe.delete$().pipe(map(() => s.code))),
                );
              }),
              concatMap((probeCode) => task.delete$({ kill: true }).pipe(map(() => probeCode))),
            ),
          ),
          concatMap((probeCode) => container.delete$().pipe(map(() => probeCode))),
        ),
      ),
    ),
  );
  console.log(`exec in a running container exited with ${code}`);

  // 4. Typed errors through the error channel.
  await lastValueFrom(client.containers.load$("demo-does-not-exist")).catch((e: unknown) => {
    console.log(`load$ of a missing container: ${isNotFound(e) ? "NotFoundError" : "?"} — ${(e as Error).message}`);
  });
  const left = await lastValueFrom(client.containers.list$().pipe(map((cs) => cs.map((c) => c.id))));
  console.log(`containers left behind: ${left.length === 0 ? "none" : left.join(", ")}`);
}

function describe(e: RunEvent): string {
  switch (e.type) {
    case "pull":
      return `pull ${e.image}: ${e.progress.type}`;
    case "created":
      return `created ${e.containerId}`;
    case "started":
      return `started pid ${e.pid}`;
    case "exited":
      return `exited with ${e.status.code} at ${e.status.exitedAt.toISOString()}`;
    case "output":
      return `${e.stream}: ${JSON.stringify(e.data.toString())}`;
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
