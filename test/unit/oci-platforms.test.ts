// The one platform matcher (containerd's platforms.Only / Default) and the one reference
// normaliser: host default, ordering, variants, import/export filtering.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  DEFAULT_PLATFORM,
  formatPlatform,
  hostPlatform,
  isInvalidArgument,
  normalizeReference,
  parsePlatform,
  parseReference,
  type Descriptor,
} from "../../src/index.js";
import { platformMatches, selectManifest } from "../../src/oci.js";
import { layerCompression } from "../../src/observables/images/image-files.js";
import { isNotImplemented } from "../../src/index.js";

const entry = (
  platform: string | undefined,
  n: number,
  mediaType = "application/vnd.oci.image.manifest.v1+json",
): Descriptor => {
  const [os = "", architecture = "", variant] = (platform ?? "").split("/");
  return {
    mediaType,
    digest: `sha256:${String(n).repeat(64).slice(0, 64)}`,
    size: n,
    ...(platform ? { platform: { os, architecture, ...(variant ? { variant } : {}) } } : {}),
  };
};
const pick = (index: Descriptor[], want: string) => selectManifest(index, parsePlatform(want))?.size;

test("the default platform is the host's, mapped from process.platform/process.arch to OCI names", () => {
  assert.deepEqual(DEFAULT_PLATFORM, hostPlatform(), "computed, not hard-coded");
  assert.deepEqual(hostPlatform({ platform: "linux", arch: "x64" }), { os: "linux", architecture: "amd64" });
  assert.deepEqual(
    hostPlatform({ platform: "linux", arch: "arm64" }),
    { os: "linux", architecture: "arm64" },
    "arm64 = arm64/v8, normalized",
  );
  assert.deepEqual(hostPlatform({ platform: "linux", arch: "arm", armVersion: "7" }), {
    os: "linux",
    architecture: "arm",
    variant: "v7",
  });
  assert.deepEqual(hostPlatform({ platform: "linux", arch: "arm", armVersion: "6" }), {
    os: "linux",
    architecture: "arm",
    variant: "v6",
  });
  assert.deepEqual(
    hostPlatform({ platform: "linux", arch: "arm" }),
    { os: "linux", architecture: "arm", variant: "v7" },
    "arm without a version is v7",
  );
  assert.deepEqual(hostPlatform({ platform: "linux", arch: "ia32" }), { os: "linux", architecture: "386" });
  assert.deepEqual(hostPlatform({ platform: "linux", arch: "ppc64", endianness: "LE" }), {
    os: "linux",
    architecture: "ppc64le",
  });
  assert.deepEqual(hostPlatform({ platform: "linux", arch: "s390x" }), { os: "linux", architecture: "s390x" });
  assert.deepEqual(hostPlatform({ platform: "win32", arch: "x64" }), { os: "windows", architecture: "amd64" });
  assert.deepEqual(
    hostPlatform({ platform: "darwin", arch: "arm64" }),
    { os: "linux", architecture: "arm64" },
    "macOS runs linux containers",
  );
  const expectedArch = ({ x64: "amd64", arm64: "arm64", arm: "arm", ia32: "386" } as Record<string, string>)[
    process.arch
  ];
  if (expectedArch) assert.equal(DEFAULT_PLATFORM.architecture, expectedArch, `host ${process.arch}`);
});

test("selectManifest: the best compatible entry whatever the index order (containerd's platforms.Only ordering)", () => {
  const v5v6v7 = [entry("linux/arm/v5", 5), entry("linux/arm/v6", 6), entry("linux/arm/v7", 7)];
  assert.equal(pick(v5v6v7, "linux/arm/v7"), 7, "v7 from an index ordered v5, v6, v7 (not the first arm entry)");
  assert.equal(pick([...v5v6v7].reverse(), "linux/arm/v7"), 7);
  assert.equal(pick(v5v6v7, "linux/arm/v6"), 6);
  assert.equal(pick(v5v6v7.slice(0, 2), "linux/arm/v7"), 6, "v7 falls back to v6 before v5");
  assert.equal(pick(v5v6v7, "linux/arm"), 7, "arm means arm/v7");
  assert.equal(pick([entry("linux/arm", 1)], "linux/arm/v7"), 1, "an entry without variant is arm/v7");
  assert.equal(pick([entry("linux/arm", 1)], "linux/arm/v6"), undefined, "… which a v6 host cannot run");
  assert.equal(pick([...v5v6v7, entry("linux/arm64/v8", 8)], "linux/arm64"), 8, "arm64 first");
  assert.equal(pick([...v5v6v7, entry("linux/arm/v8", 9)], "linux/arm64/v8"), 9, "then arm/v8, then v7…");
  assert.equal(pick(v5v6v7, "linux/aarch64"), 7);
  assert.equal(pick([entry("linux/386", 3), entry("linux/amd64", 4)], "linux/amd64"), 4, "amd64 before 386");
  assert.equal(pick([entry("linux/386", 3)], "linux/amd64"), 3, "amd64 runs 386");
  assert.equal(pick([entry("linux/amd64", 4)], "linux/386"), undefined, "386 does not run amd64");
  assert.equal(
    pick([entry("linux/amd64", 4), entry("linux/amd64/v3", 5)], "linux/amd64/v2"),
    4,
    "amd64/v2 cannot run v3",
  );
  assert.equal(pick([entry("linux/amd64", 4), entry("linux/amd64/v2", 5)], "linux/amd64/v3"), 5);
  assert.equal(
    pick([entry("windows/amd64", 1), entry(undefined, 2)], "linux/amd64"),
    undefined,
    "other OS and entries without platform are skipped",
  );
  assert.equal(pick([entry("Linux/x86_64", 1)], "linux/amd64"), 1, "candidates are normalized too");
  assert.equal(pick([entry("linux/arm/v7", 1), entry("linux/arm/v7", 2)], "linux/arm/v7"), 1, "first of equals");
});

test("platformMatches is the same matcher as a predicate (import/export filters)", () => {
  const p = (s: string) => parsePlatform(s);
  assert.ok(platformMatches(undefined, p("linux/amd64")), "entries without platform pass, as containerd's filter");
  assert.ok(platformMatches(p("linux/arm/v6"), p("linux/arm/v7")));
  assert.ok(platformMatches(p("linux/arm/v5"), p("linux/arm/v7")));
  assert.ok(!platformMatches(p("linux/arm/v7"), p("linux/arm/v6")));
  assert.ok(!platformMatches({ os: "linux", architecture: "arm64", variant: "v8" }, p("linux/amd64")));
  assert.ok(platformMatches({ os: "linux", architecture: "arm64", variant: "v8" }, p("linux/arm64")));
  assert.ok(platformMatches(p("linux/386"), p("linux/amd64")), "Only(amd64) takes 386");
  assert.ok(!platformMatches(p("linux/amd64"), p("linux/386")));
  assert.ok(!platformMatches(p("windows/amd64"), p("linux/amd64")));
  assert.equal(platformMatches(p(formatPlatform(DEFAULT_PLATFORM))), true, "default: the host");
});

test("one reference normaliser: normalizeReference is parseReference(...).string; malformed tags are InvalidArgumentError", () => {
  for (const ref of [
    "busybox",
    "busybox:1.36",
    "me/app:1",
    "ghcr.io/x/y",
    "localhost:5000/y:2",
    "index.docker.io/library/alpine",
    `busybox@sha256:${"a".repeat(64)}`,
    "[::1]:5000/a/b:c",
  ]) {
    assert.equal(normalizeReference(ref), parseReference(ref).string, ref);
  }
  assert.equal(normalizeReference("index.docker.io/library/alpine"), "docker.io/library/alpine:latest");
  for (const bad of ["BusyBox", "a:b:c", "x@sha256:123", "busybox:bad tag", ""]) {
    assert.throws(
      () => normalizeReference(bad),
      (e: unknown) => isInvalidArgument(e),
      bad,
    );
  }
});

test("layer compression comes from the media type; zstd is recognised, unknown types are NotImplementedError", () => {
  assert.equal(layerCompression("application/vnd.oci.image.layer.v1.tar+gzip"), "gzip");
  assert.equal(layerCompression("application/vnd.docker.image.rootfs.diff.tar.gzip"), "gzip");
  assert.equal(layerCompression("application/vnd.oci.image.layer.v1.tar+zstd"), "zstd");
  assert.equal(layerCompression("application/vnd.oci.image.layer.v1.tar"), "none");
  assert.equal(layerCompression("application/vnd.docker.image.rootfs.diff.tar"), "none");
  assert.throws(
    () => layerCompression("application/vnd.oci.image.layer.v1.tar+gzip+encrypted"),
    (e: unknown) => isNotImplemented(e),
  );
});
