// run$ with a pull policy against a real registry (Debian's docker-registry seeded by skopeo):
// "never" (the default) with an absent image, "missing" pulling once then using the local image,
// "missing" unpacking a stored but not unpacked image, "always" pulling each time.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { lastValueFrom, toArray } from "rxjs";
import { isInvalidArgument, isNotFound, type Containerd, type RunEvent } from "../../src/index.js";
import { labClient } from "../support/lab.js";
import { buildBusybox, registryDown, registrySeed, registryUp } from "../support/registry.js";
import { settle } from "../support/settle.js";

let client: Containerd;
let dispose: () => Promise<void>;
let tmp: string;
let registry: string;
let ref: string;

before(async () => {
  ({ client, dispose } = await labClient("runpull"));
  tmp = mkdtempSync(join(tmpdir(), "rxc-run-pull-"));
  registry = registryUp();
  registrySeed(registry, buildBusybox(tmp), "library/busybox:latest");
  ref = `${registry}/library/busybox:latest`;
});
after(async () => {
  if (registry) registryDown(registry);
  if (tmp) rmSync(tmp, { recursive: true, force: true });
  await dispose();
});

const types = (events: RunEvent[]) => events.map((e) => (e.type === "pull" ? `pull:${e.progress.type}` : e.type));
const containers = async () => (await lastValueFrom(client.containers.list$())).map((c) => c.id);

test('pull "never" (the default) with an absent image: NotFoundError naming the image, nothing pulled or left', async () => {
  for (const pull of [undefined, "never"] as const) {
    const r = await settle(
      lastValueFrom(client.run$("never", { image: ref, args: ["true"], ...(pull ? { pull } : {}) }).pipe(toArray())),
    );
    assert.ok(isNotFound(r.error), String(r.error));
    assert.match(
      r.error.message,
      new RegExp(ref.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")),
      "the message names the image",
    );
  }
  assert.deepEqual(await containers(), []);
  assert.equal((await lastValueFrom(client.images.list$())).length, 0, "no image was pulled");
});

test('pull "missing": pulls an absent image (progress before created), then uses the local one', async () => {
  const first = await lastValueFrom(
    client.run$("missing-1", { image: ref, pull: "missing", args: ["sh", "-c", "exit 4"] }).pipe(toArray()),
  );
  const seen = types(first);
  const created = seen.indexOf("created");
  assert.deepEqual(
    [...new Set(seen.slice(0, created))],
    ["pull:resolved", "pull:downloading", "pull:layer", "pull:done"],
  );
  assert.deepEqual(seen.slice(created), ["created", "started", "exited"]);
  const pullEvent = first[0];
  assert.ok(pullEvent?.type === "pull" && pullEvent.image === ref && pullEvent.containerId === "missing-1");
  const exited = first.at(-1);
  assert.equal(exited?.type === "exited" ? exited.status.code : -1, 4);
  assert.equal((await lastValueFrom(client.images.get$(ref))).name, ref, "the pulled image stays");

  const second = await lastValueFrom(
    client.run$("missing-2", { image: ref, pull: "missing", args: ["true"] }).pipe(toArray()),
  );
  assert.deepEqual(types(second), ["created", "started", "exited"], "present and unpacked: no pull");
  assert.deepEqual(await containers(), []);
});

test('pull "missing" with the image stored but not unpacked: unpacks it, then runs', async () => {
  await lastValueFrom(client.images.delete$(ref, { sync: true }));
  await lastValueFrom(client.images.pull$(ref).pipe(toArray())); // content only, no snapshots
  const events = await lastValueFrom(
    client.run$("unpack", { image: ref, pull: "missing", args: ["true"] }).pipe(toArray()),
  );
  assert.deepEqual(types(events), ["pull:layer", "pull:done", "created", "started", "exited"]);
});

test('pull "always": pulls every time (blobs already stored are not fetched again); bad policy is InvalidArgument', async () => {
  for (const id of ["always-1", "always-2"]) {
    const events = await lastValueFrom(client.run$(id, { image: ref, pull: "always", args: ["true"] }).pipe(toArray()));
    const seen = types(events);
    assert.equal(seen[0], "pull:resolved", `${id}: ${seen.join(",")}`);
    assert.deepEqual(seen.slice(-4), ["pull:done", "created", "started", "exited"]);
  }
  const bad = await settle(
    lastValueFrom(client.run$("bad", { image: ref, pull: "sometimes" as "always", args: ["true"] })),
  );
  assert.ok(isInvalidArgument(bad.error), String(bad.error));
  assert.deepEqual(await containers(), []);
  await lastValueFrom(client.images.delete$(ref, { sync: true }));
});
