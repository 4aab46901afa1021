import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { InvalidArgumentError, isInvalidArgument, parseReference } from "../../src/index.js";
import { isLocalhost, registryHost } from "../../src/oci.js";

const D = `sha256:${"a".repeat(64)}`;

test("normalizes like docker's ParseDockerRef", () => {
  const cases: [string, string, string, string, string | undefined, string | undefined][] = [
    // input, string, domain, path, tag, digest
    ["busybox", "docker.io/library/busybox:latest", "docker.io", "library/busybox", "latest", undefined],
    ["busybox:1.36", "docker.io/library/busybox:1.36", "docker.io", "library/busybox", "1.36", undefined],
    ["library/busybox", "docker.io/library/busybox:latest", "docker.io", "library/busybox", "latest", undefined],
    ["user/app", "docker.io/user/app:latest", "docker.io", "user/app", "latest", undefined],
    [
      "index.docker.io/busybox",
      "docker.io/library/busybox:latest",
      "docker.io",
      "library/busybox",
      "latest",
      undefined,
    ],
    ["docker.io/busybox", "docker.io/library/busybox:latest", "docker.io", "library/busybox", "latest", undefined],
    ["localhost/app", "localhost/app:latest", "localhost", "app", "latest", undefined],
    ["localhost:5000/ns/app:v1", "localhost:5000/ns/app:v1", "localhost:5000", "ns/app", "v1", undefined],
    ["127.0.0.1:5000/ns/name@" + D, "127.0.0.1:5000/ns/name@" + D, "127.0.0.1:5000", "ns/name", undefined, D],
    ["quay.io/a/b/c:t@" + D, "quay.io/a/b/c:t@" + D, "quay.io", "a/b/c", "t", D],
    ["[::1]:5000/app", "[::1]:5000/app:latest", "[::1]:5000", "app", "latest", undefined],
    ["busybox@" + D, "docker.io/library/busybox@" + D, "docker.io", "library/busybox", undefined, D],
    ["a__b/c.d-e", "docker.io/a__b/c.d-e:latest", "docker.io", "a__b/c.d-e", "latest", undefined],
    ["Example.com/app", "Example.com/app:latest", "Example.com", "app", "latest", undefined],
  ];
  for (const [input, str, domain, path, tag, digest] of cases) {
    const r = parseReference(input);
    assert.deepEqual(
      { string: r.string, domain: r.domain, path: r.path, tag: r.tag, digest: r.digest, name: r.name },
      { string: str, domain, path, tag, digest, name: `${domain}/${path}` },
      input,
    );
  }
});

test("rejects invalid references with InvalidArgumentError", () => {
  for (const bad of [
    "",
    "Busybox",
    "docker.io/Library/busybox",
    "a//b",
    "/a",
    "a/",
    "a:",
    "a@",
    "a@sha256:abc",
    `a@sha256:${"A".repeat(64)}`,
    `a@md5:${"a".repeat(32)}`,
    "a:-tag",
    `a:${"t".repeat(129)}`,
    "a b",
    "-a",
    "a-",
    "a..b",
    `${"a".repeat(64).replace(/a/g, "f")}`,
    `x/${"a".repeat(260)}`,
    "host:port/x",
    ":tag",
    "a/b:c/d",
  ]) {
    assert.throws(
      () => parseReference(bad),
      (e: unknown) => isInvalidArgument(e),
      JSON.stringify(bad),
    );
  }
});

test("docker.io is served by registry-1.docker.io; others as named", () => {
  assert.equal(registryHost("docker.io"), "registry-1.docker.io");
  assert.equal(registryHost("localhost:5000"), "localhost:5000");
});

test("isLocalhost like containerd's docker.IsLocalhost", () => {
  for (const h of ["localhost", "localhost:5000", "127.0.0.1", "127.0.0.1:5000", "127.1.2.3:1", "[::1]:5000", "::1"])
    assert.ok(isLocalhost(h), h);
  for (const h of ["example.com", "10.0.0.1:5000", "localhost.example.com", "[::2]:5000", "128.0.0.1"])
    assert.ok(!isLocalhost(h), h);
});

test("fuzz: parseReference returns a consistent reference or throws InvalidArgumentError, nothing else", () => {
  const chars = "abcAB09._-/:@[]".split("");
  const arb = fc.oneof(
    fc.string({ unit: fc.constantFrom(...chars), maxLength: 40 }),
    fc.string({ unit: "binary", maxLength: 40 }),
    fc
      .tuple(
        fc.string({ unit: fc.constantFrom(..."ab/:.".split("")), maxLength: 12 }),
        fc.constantFrom("", "@" + D, ":t@" + D),
      )
      .map(([a, b]) => a + b),
  );
  fc.assert(
    fc.property(arb, (s) => {
      let r;
      try {
        r = parseReference(s);
      } catch (e) {
        assert.ok(e instanceof InvalidArgumentError && isInvalidArgument(e), `threw ${String(e)}`);
        return;
      }
      // Normalization is idempotent.
      assert.equal(parseReference(r.string).string, r.string);
    }),
    { numRuns: 3000 },
  );
});
