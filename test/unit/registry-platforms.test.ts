import { test } from "node:test";
import assert from "node:assert/strict";
import { firstValueFrom, lastValueFrom, timer, map, merge, toArray } from "rxjs";
import { formatPlatform, parsePlatform, type Descriptor } from "../../src/index.js";
import { compatiblePlatforms, normalizePlatform, selectManifest } from "../../src/oci.js";
import { Limiter } from "../../src/registry.js";

const d = (platform: string, n: number): Descriptor => {
  const [os = "", architecture = "", variant] = platform.split("/");
  return {
    mediaType: "m",
    digest: `sha256:${String(n).repeat(64).slice(0, 64)}`,
    size: n,
    platform: { os, architecture, ...(variant ? { variant } : {}) },
  };
};

test("normalizes like containerd's platforms.Normalize", () => {
  assert.deepEqual(normalizePlatform({ os: "Linux", architecture: "x86_64" }), { os: "linux", architecture: "amd64" });
  assert.deepEqual(normalizePlatform({ os: "linux", architecture: "aarch64", variant: "v8" }), {
    os: "linux",
    architecture: "arm64",
  });
  assert.deepEqual(normalizePlatform({ os: "linux", architecture: "armhf" }), {
    os: "linux",
    architecture: "arm",
    variant: "v7",
  });
  assert.deepEqual(normalizePlatform({ os: "linux", architecture: "arm" }), {
    os: "linux",
    architecture: "arm",
    variant: "v7",
  });
  assert.deepEqual(normalizePlatform({ os: "linux", architecture: "arm", variant: "6" }), {
    os: "linux",
    architecture: "arm",
    variant: "v6",
  });
  assert.deepEqual(parsePlatform("linux/arm64/v8"), { os: "linux", architecture: "arm64" });
  assert.deepEqual(parsePlatform("arm"), { os: "linux", architecture: "arm", variant: "v7" });
  assert.throws(() => parsePlatform("a/b/c/d"));
});

test("compatible platforms in containerd's order", () => {
  const f = (p: string) => compatiblePlatforms(parsePlatform(p)).map(formatPlatform);
  assert.deepEqual(f("linux/arm/v7"), ["linux/arm/v7", "linux/arm/v6", "linux/arm/v5"]);
  assert.deepEqual(f("linux/arm64"), ["linux/arm64", "linux/arm/v8", "linux/arm/v7", "linux/arm/v6", "linux/arm/v5"]);
  assert.deepEqual(f("linux/amd64"), ["linux/amd64", "linux/386"]);
  assert.deepEqual(f("linux/amd64/v3"), ["linux/amd64/v3", "linux/amd64/v2", "linux/amd64", "linux/386"]);
});

test("selectManifest picks the exact match first, then the best compatible one", () => {
  const idx = [
    d("linux/arm/v6", 1),
    d("linux/amd64", 2),
    d("linux/arm64/v8", 3),
    d("linux/arm/v7", 4),
    d("windows/amd64", 5),
  ];
  assert.equal(selectManifest(idx, parsePlatform("linux/amd64"))?.size, 2);
  assert.equal(selectManifest(idx, parsePlatform("linux/arm/v7"))?.size, 4);
  assert.equal(selectManifest(idx, parsePlatform("linux/arm/v8"))?.size, 4, "v8 runs v7 before v6");
  assert.equal(selectManifest(idx, parsePlatform("linux/arm/v6"))?.size, 1);
  assert.equal(selectManifest(idx, parsePlatform("linux/arm64"))?.size, 3, "arm64/v8 normalizes to arm64");
  assert.equal(
    selectManifest([d("linux/arm/v7", 7)], parsePlatform("linux/aarch64"))?.size,
    7,
    "arm64 falls back to arm/v7",
  );
  assert.equal(selectManifest(idx, parsePlatform("linux/arm/v5")), undefined);
  assert.equal(selectManifest(idx, parsePlatform("linux/s390x")), undefined);
  assert.equal(selectManifest([d("linux/386", 8)], parsePlatform("linux/amd64"))?.size, 8, "amd64 runs 386");
});

test("Limiter runs at most N at once, FIFO, and frees slots on unsubscribe", async () => {
  const limiter = new Limiter(2);
  let peak = 0;
  const job = (i: number) =>
    limiter.run(
      timer(20).pipe(
        map(() => {
          peak = Math.max(peak, limiter.running);
          return i;
        }),
      ),
    );
  const out = await lastValueFrom(merge(...[1, 2, 3, 4, 5].map(job)).pipe(toArray()));
  assert.deepEqual(out, [1, 2, 3, 4, 5]);
  assert.equal(peak, 2);
  const blocked = limiter.run(timer(10_000)).subscribe();
  const blocked2 = limiter.run(timer(10_000)).subscribe();
  const waiting = limiter.run(timer(1)).subscribe();
  assert.equal(limiter.waiting, 1);
  waiting.unsubscribe();
  assert.equal(limiter.waiting, 0);
  blocked.unsubscribe();
  assert.equal(limiter.running, 1);
  assert.equal(await firstValueFrom(limiter.run(timer(1))), 0);
  blocked2.unsubscribe();
  assert.equal(limiter.running, 0);
});
