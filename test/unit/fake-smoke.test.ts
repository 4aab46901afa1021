import { test } from "node:test";
import assert from "node:assert/strict";
import { map } from "rxjs";
import { TestScheduler } from "rxjs/testing";
import { createFakeContainerd, runMarbles } from "../../src/testing.js";

const BUSYBOX = "docker.io/library/busybox:latest";

test("smoke: run$ on the fake", async () => {
  const scheduler = new TestScheduler((a, e) => assert.deepStrictEqual(a, e));
  await runMarbles(scheduler, ({ expectObservable }) => {
    const client = createFakeContainerd({ scheduler, tasks: { job: { exitCode: 3, exitAt: 10 } } });
    const ev$ = client.run$("job", { image: BUSYBOX }).pipe(map((e) => (e.type === "exited" ? `x${e.status.code}` : e.type)));
    expectObservable(ev$).toBe("(ab) 6ms (c|)", { a: "created", b: "started", c: "x3" });
  });
});
