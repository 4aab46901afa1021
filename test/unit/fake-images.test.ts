// rxcontainerd/testing's fake images: their config (User, StopSignal) and their files, in which
// create$ and exec$ resolve users as on a real daemon.
import { test } from "node:test";
import assert from "node:assert/strict";
import { asyncScheduler, lastValueFrom } from "rxjs";
import { isInvalidArgument, STOP_SIGNAL_LABEL } from "../../src/index.js";
import { createFakeContainerd } from "../../src/testing.js";

const PASSWD = "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n";
const GROUP = "root:x:0:\nwheel:x:10:root,app\napp:x:1000:\n";

const client = () =>
  createFakeContainerd({
    scheduler: asyncScheduler,
    tasks: { e: { exitAt: "never" } },
    images: {
      "example.com/app:1": { files: { "etc/passwd": PASSWD, "etc/group": GROUP }, user: "app", stopSignal: "SIGQUIT" },
      "example.com/bare:1": {},
    },
  });

const userOf = async (c: ReturnType<typeof client>, id: string, image: string, user?: string) => {
  const created = await lastValueFrom(c.containers.create$(id, { image, ...(user ? { user } : {}) }));
  return (await lastValueFrom(created.spec$())).process?.user;
};

test("fake image files: users resolve in its /etc/passwd and /etc/group; the image's User is the default", async () => {
  const c = client();
  assert.deepEqual(await userOf(c, "a", "example.com/app:1"), { uid: 1000, gid: 1000, additionalGids: [1000, 10] });
  assert.deepEqual(await userOf(c, "b", "example.com/app:1", "root"), { uid: 0, gid: 0, additionalGids: [0, 10] });
  assert.deepEqual(await userOf(c, "c", "example.com/bare:1", "1000"), { uid: 1000, gid: 0, additionalGids: [0] });
  const named = await lastValueFrom(c.containers.create$("d", { image: "example.com/bare:1", user: "app" })).catch(
    (e: unknown) => e,
  );
  assert.ok(isInvalidArgument(named), String(named));
  assert.match(String(named), /cannot resolve user name "app" without the image's \/etc\/passwd/);
});

test("fake image files: exec$ user strings; StopSignal labels the container through imageStopSignal", async () => {
  const c = client();
  const container = await lastValueFrom(
    c.containers.create$("e", { image: "example.com/app:1", imageStopSignal: "SIGTERM" }),
  );
  assert.equal((await lastValueFrom(container.labels$()))[STOP_SIGNAL_LABEL], "SIGQUIT", "the image's StopSignal");
  const task = await lastValueFrom(container.newTask$());
  await lastValueFrom(task.start$());
  assert.ok(await lastValueFrom(task.exec$("x", { args: ["id"], user: "root" })), "a known name: the exec is made");
  const unknown = await lastValueFrom(task.exec$("y", { args: ["id"], user: "nobody-here" })).catch((e: unknown) => e);
  assert.ok(isInvalidArgument(unknown), String(unknown));
  assert.match(String(unknown), /no user "nobody-here" in the image's \/etc\/passwd/, "resolved in the image's files");
});
