// Fake-only behaviour the contract suite cannot drive on busybox (OOM needs memory limits).
import { test } from "node:test";
import assert from "node:assert/strict";
import { filter, map } from "rxjs";
import { TestScheduler } from "rxjs/testing";
import { isEvent } from "../../src/index.js";
import { createFakeContainerd, runMarbles } from "../../src/testing.js";

test("an OOM script: /tasks/oom at its frame, then the exit with 137", async () => {
  const scheduler = new TestScheduler((actual, expected) => assert.deepStrictEqual(actual, expected));
  await runMarbles(scheduler, ({ expectObservable }) => {
    const client = createFakeContainerd({ scheduler, tasks: { hog: { exitAt: "never", oomAt: 5 } } });
    const oom$ = client.events$('topic=="/tasks/oom"').pipe(
      filter((e) => isEvent(e, "containerd.events.TaskOOM")),
      map((e) => (isEvent(e, "containerd.events.TaskOOM") ? e.event.containerId : "")),
    );
    expectObservable(oom$, "^ 9ms !").toBe("5ms h", { h: "hog" });
    const exit$ = client.run$("hog", { image: "docker.io/library/busybox:latest" }).pipe(
      filter((e) => e.type === "exited"),
      map((e) => (e.type === "exited" ? e.status.code : -1)),
    );
    expectObservable(exit$).toBe("5ms (x|)", { x: 137 });
  });
});
