// Which task events a subscriber gets (not run in CI): RXC_DELETE_EVENTS_N (70) times, a stream
// confirmed live with a probe, then create, newTask$, wait$, start$, the exit, task.delete$ and
// container delete$, then the stream's task events up to /containers/delete. Counts the tasks
// whose /tasks/delete never came (containerd 2.1.9 drops it now and then; docs/events.md).
//   node build/bench/delete-events.js  (inside a lab: eval "$(bash scripts/lab env)")
import { lastValueFrom, takeWhile, throwError, timeout, toArray, type Observable } from "rxjs";
import { liveEvents, PROBE_FILTER } from "../test/support/events.js";
import { benchClient, IMAGE } from "./support.js";

const N = Number(process.env["RXC_DELETE_EVENTS_N"] ?? 70);
const within = <T>(ms: number, what: string) =>
  timeout<T, Observable<never>>({
    first: ms,
    with: () => throwError(() => new Error(`${what}: nothing within ${ms} ms`)),
  });

const { client, dispose } = await benchClient();
const version = (await lastValueFrom(client.version$())).version;
let missing = 0;
let exits = 0;
for (let i = 0; i < N; i++) {
  const live = await liveEvents(
    client,
    client.namespaceEvents$(['topic~="^/tasks/"', 'topic=="/containers/delete"', PROBE_FILTER]),
  );
  const c = await lastValueFrom(client.containers.create$(`de-${i}`, { image: IMAGE, args: ["sh", "-c", "exit 3"] }));
  const task = await lastValueFrom(c.newTask$());
  const exit$ = task.wait$();
  await lastValueFrom(task.start$());
  if ((await lastValueFrom(exit$.pipe(within(30_000, "wait$")))).code === 3) exits++;
  await lastValueFrom(task.delete$());
  await lastValueFrom(c.delete$());
  const topics = (
    await lastValueFrom(
      live.events$.pipe(
        takeWhile((e) => e.topic !== "/containers/delete", true),
        toArray(),
        within(30_000, "/containers/delete"),
      ),
    )
  ).map((e) => e.topic);
  live.close();
  if (!topics.includes("/tasks/delete")) {
    missing++;
    console.log(`task ${i}: no /tasks/delete; got ${topics.join(" ")}`);
  }
}
console.log(
  `delete-events: containerd ${version}: ${N} tasks, ${exits} exits delivered with code 3, /tasks/delete missing for ${missing}`,
);
await dispose();
