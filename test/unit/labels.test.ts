import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { lastValueFrom, type Observable } from "rxjs";
import { checkLabels, Containerd, InvalidArgumentError, isInvalidArgument, MAX_LABEL_SIZE } from "../../src/index.js";

test("checkLabels: key + value up to 4096 bytes pass, one byte more fails with containerd's message", () => {
  assert.equal(MAX_LABEL_SIZE, 4096);
  assert.equal(checkLabels("labels", undefined), undefined);
  assert.equal(checkLabels("labels", {}), undefined);
  assert.equal(checkLabels("labels", { k: "v".repeat(4095) }), undefined);
  const e = checkLabels("container labels", { ok: "1", abcdefghijklmnop: "v".repeat(4096 - 16 + 1) });
  assert.ok(e instanceof InvalidArgumentError);
  assert.equal(
    e.message,
    "[InvalidArgument] container labels: label key and value length (4097 bytes) greater than maximum size (4096 bytes), key: abcdefghij",
  );
  assert.match(String(checkLabels("labels", { short: "v".repeat(5000) })?.message), /key: short$/);
  assert.ok(checkLabels("labels", { ["k".repeat(4097)]: "" }) instanceof InvalidArgumentError, "the key alone counts");
});

test("checkLabels counts UTF-8 bytes, as containerd's len() does", () => {
  assert.equal(checkLabels("labels", { é: "v".repeat(4094) }), undefined); // 2 + 4094
  assert.ok(checkLabels("labels", { é: "v".repeat(4095) }) instanceof InvalidArgumentError); // 2 + 4095
  assert.equal(checkLabels("labels", { k: "€".repeat(1365) }), undefined); // 1 + 3 * 1365 = 4096
  assert.ok(checkLabels("labels", { kk: "€".repeat(1365) }) instanceof InvalidArgumentError); // 2 + 4095, 1367 characters
});

test("checkLabels rejects a non-string value (a JavaScript caller's mistake) instead of sending it", () => {
  const labels = { n: 1 } as unknown as Record<string, string>;
  assert.ok(checkLabels("labels", labels) instanceof InvalidArgumentError);
});

test("fuzz: checkLabels never throws and fails exactly when some key + value exceeds 4096 bytes", () => {
  const label = fc.tuple(
    fc.string({ unit: "binary", maxLength: 40 }),
    fc.oneof(
      fc.string({ unit: "binary", maxLength: 20 }),
      fc.integer({ min: 4000, max: 4100 }).map((n) => "x".repeat(n)),
      fc.integer({ min: 1300, max: 1400 }).map((n) => "€".repeat(n)),
    ),
  );
  fc.assert(
    fc.property(fc.array(label, { maxLength: 5 }), (pairs) => {
      const labels = Object.fromEntries(pairs);
      const tooBig = Object.entries(labels).some(([k, v]) => Buffer.byteLength(k) + Buffer.byteLength(v) > 4096);
      const r = checkLabels("labels", labels);
      assert.equal(r instanceof InvalidArgumentError, tooBig);
      if (!tooBig) assert.equal(r, undefined);
    }),
    { numRuns: 2000 },
  );
});

test("oversized labels: namespaces.create$, namespaces.setLabels$ and containers.create$ error before any RPC", async () => {
  const client = new Containerd({ address: "/nonexistent/rxcontainerd.sock", namespace: "ns" });
  const big = { big: "x".repeat(4096) };
  const attempts: Observable<unknown>[] = [
    client.namespaces.create$("ns2", { labels: big }),
    client.namespaces.setLabels$("ns", big),
    client.containers.create$("c1", { labels: big }),
  ];
  for (const op of attempts) {
    const r = await lastValueFrom(op).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(isInvalidArgument(r), String(r));
    assert.match(
      (r as Error).message,
      /label key and value length \(\d+ bytes\) greater than maximum size \(4096 bytes\), key: big$/,
    );
  }
  assert.equal(client.callStats.started, 0, "no RPC was made");
  client.close();
});
