// The one containerd version comparison (src/services/daemon-version.ts), used by the UNIMPLEMENTED
// explanations, client.transfer's fallback message and wait$'s reaped-task explanation, on the
// version strings the three lab lines really report (and what a daemon might send instead).
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseContainerdVersion, versionAtLeast, versionAtLeastSince } from "../../src/services/daemon-version.js";

test("parseContainerdVersion: the strings the lab's 1.6, 1.7 and 2.1 daemons report, and upstream's", () => {
  assert.deepEqual(parseContainerdVersion("1.6.20~ds1"), { major: 1, minor: 6 });
  assert.deepEqual(parseContainerdVersion("1.7.24~ds1"), { major: 1, minor: 7 });
  assert.deepEqual(parseContainerdVersion("v1.7.24"), { major: 1, minor: 7 });
  assert.deepEqual(parseContainerdVersion("2.1.9+unknown"), { major: 2, minor: 1 });
  assert.deepEqual(parseContainerdVersion("v2.0.0-rc.3"), { major: 2, minor: 0 });
  assert.deepEqual(parseContainerdVersion("1.10"), { major: 1, minor: 10 });
  for (const bad of ["", "fake", "v0", "dev-1.7.0", "unknown", " 1.7.24", undefined])
    assert.equal(parseContainerdVersion(bad), undefined, JSON.stringify(bad));
});

test("versionAtLeast: true, false, or undefined (unknown) — never a guess", () => {
  const cases: [string | undefined, number, number, boolean | undefined][] = [
    ["1.6.20~ds1", 1, 7, false],
    ["1.6.20~ds1", 1, 6, true],
    ["1.7.24~ds1", 1, 7, true],
    ["v1.7.24", 1, 7, true],
    ["v1.7.24", 2, 0, false],
    ["2.1.9+unknown", 1, 7, true],
    ["2.1.9+unknown", 2, 0, true],
    ["2.1.9+unknown", 2, 2, false],
    ["1.10.0", 1, 7, true], // minor compared as a number, not as text
    ["0.9.9", 1, 7, false],
    ["", 1, 7, undefined],
    ["garbage", 1, 7, undefined],
    ["v", 1, 7, undefined],
    [undefined, 1, 7, undefined],
  ];
  for (const [v, major, minor, want] of cases)
    assert.equal(versionAtLeast(v, major, minor), want, `${JSON.stringify(v)} >= ${major}.${minor}`);
});

test("versionAtLeastSince: the minimum as a `since` string (1.7, 2.0)", () => {
  assert.equal(versionAtLeastSince("1.6.20~ds1", "1.7"), false);
  assert.equal(versionAtLeastSince("1.7.24~ds1", "2.0"), false);
  assert.equal(versionAtLeastSince("2.1.9+unknown", "2.0"), true);
  assert.equal(versionAtLeastSince("garbage", "1.7"), undefined);
  assert.equal(versionAtLeastSince("2.1.9+unknown", undefined), undefined);
  assert.equal(versionAtLeastSince("2.1.9+unknown", "later"), undefined);
});
