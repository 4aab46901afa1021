import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { InvalidArgumentError, isInvalidArgument } from "../../src/index.js";
import { parseWWWAuthenticate } from "../../src/registry.js";

test("parses Bearer challenges like docker's", () => {
  assert.deepEqual(
    parseWWWAuthenticate(
      'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull"',
    ),
    [
      {
        scheme: "bearer",
        params: {
          realm: "https://auth.docker.io/token",
          service: "registry.docker.io",
          scope: "repository:library/busybox:pull",
        },
      },
    ],
  );
  assert.deepEqual(parseWWWAuthenticate('bearer Realm = "a\\"b" , service=tok,error="insufficient_scope"'), [
    { scheme: "bearer", params: { realm: 'a"b', service: "tok", error: "insufficient_scope" } },
  ]);
});

test("parses Basic, several challenges, several header values and token68", () => {
  assert.deepEqual(parseWWWAuthenticate('Basic realm="Registry Realm"'), [
    { scheme: "basic", params: { realm: "Registry Realm" } },
  ]);
  assert.deepEqual(parseWWWAuthenticate('Basic realm="x", Bearer realm="https://t/token",service="s"'), [
    { scheme: "basic", params: { realm: "x" } },
    { scheme: "bearer", params: { realm: "https://t/token", service: "s" } },
  ]);
  assert.deepEqual(parseWWWAuthenticate(["Negotiate abc+/=", "Basic"]), [
    { scheme: "negotiate", params: { token68: "abc+/=" } },
    { scheme: "basic", params: {} },
  ]);
  assert.deepEqual(parseWWWAuthenticate(""), []);
});

test("malformed headers are InvalidArgumentError", () => {
  for (const bad of ['Bearer realm="unterminated', "Bearer realm=a b", "@", 'Bearer realm="x" junk', "Basic ,=x"]) {
    assert.throws(
      () => parseWWWAuthenticate(bad),
      (e: unknown) => isInvalidArgument(e),
      bad,
    );
  }
});

test("fuzz: never throws anything but InvalidArgumentError; parsed params round-trip", () => {
  const chars = 'Bearer Basic realm=",\\ \t abc:/.'.split("");
  const arb = fc.oneof(
    fc.string({ unit: fc.constantFrom(...chars), maxLength: 60 }),
    fc.string({ unit: "binary", maxLength: 60 }),
  );
  fc.assert(
    fc.property(arb, (s) => {
      try {
        parseWWWAuthenticate(s);
      } catch (e) {
        assert.ok(e instanceof InvalidArgumentError, `threw ${String(e)}`);
      }
    }),
    { numRuns: 5000 },
  );
  const token = fc.stringMatching(/^[a-z][a-z0-9_]{0,8}$/);
  const value = fc.string({ unit: "grapheme-ascii", maxLength: 20 });
  fc.assert(
    fc.property(fc.dictionary(token, value, { minKeys: 1, maxKeys: 4 }), (params) => {
      const header = `Bearer ${Object.entries(params)
        .map(([k, v]) => `${k}="${v.replace(/["\\]/g, (c) => `\\${c}`)}"`)
        .join(", ")}`;
      assert.deepEqual(parseWWWAuthenticate(header), [{ scheme: "bearer", params: { ...params } }]);
    }),
    { numRuns: 1000 },
  );
});
