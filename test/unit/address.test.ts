import { test } from "node:test";
import assert from "node:assert/strict";
import { Containerd, InvalidArgumentError } from "../../src/index.js";
import { parseAddress } from "../../src/services/address.js";

test("accepted address forms", () => {
  assert.deepEqual(parseAddress("/run/x.sock"), {
    transport: "unix",
    target: "unix:/run/x.sock",
    address: "/run/x.sock",
  });
  assert.equal(parseAddress("unix:///run/x.sock").target, "unix:/run/x.sock");
  assert.equal(parseAddress("unix:rel.sock").target, "unix:rel.sock");
  assert.deepEqual(parseAddress("127.0.0.1:10010"), {
    transport: "tcp",
    target: "dns:127.0.0.1:10010",
    address: "127.0.0.1:10010",
  });
  assert.equal(parseAddress("tcp://ctrd.local:443").target, "dns:ctrd.local:443");
  assert.equal(parseAddress("[::1]:8080").target, "dns:[::1]:8080");
});

test("malformed addresses throw InvalidArgumentError synchronously", () => {
  for (const bad of [
    "",
    " ",
    "http://x:1",
    "host",
    "host:0",
    "host:70000",
    "host:port",
    "unix://",
    "unix://rel",
    "a b:1",
    "/x\n",
  ]) {
    assert.throws(() => parseAddress(bad), InvalidArgumentError, JSON.stringify(bad));
    assert.throws(() => new Containerd({ address: bad }), InvalidArgumentError, JSON.stringify(bad));
  }
});

test("TLS is only for TCP, and needs cert and key together", () => {
  assert.throws(() => new Containerd({ address: "/x.sock", tls: true }), /tls needs a TCP address/);
  assert.throws(() => new Containerd({ address: "h:1", tls: { cert: Buffer.from("c") } }), /both cert and key/);
  new Containerd({ address: "h:1", tls: true }).close();
});

test("defaults: $CONTAINERD_ADDRESS / $CONTAINERD_NAMESPACE, then the system socket and 'default'", () => {
  const saved = { a: process.env["CONTAINERD_ADDRESS"], n: process.env["CONTAINERD_NAMESPACE"] };
  try {
    delete process.env["CONTAINERD_ADDRESS"];
    delete process.env["CONTAINERD_NAMESPACE"];
    const c1 = new Containerd();
    assert.equal(c1.address, "/run/containerd/containerd.sock");
    assert.equal(c1.namespace, "default");
    c1.close();
    process.env["CONTAINERD_ADDRESS"] = "/tmp/env.sock";
    process.env["CONTAINERD_NAMESPACE"] = "fromenv";
    const c2 = new Containerd();
    assert.equal(c2.address, "/tmp/env.sock");
    assert.equal(c2.namespace, "fromenv");
    assert.equal(c2.withNamespace("scoped").namespace, "scoped");
    assert.throws(() => c2.withNamespace("bad/ns"), InvalidArgumentError);
    c2.close();
  } finally {
    if (saved.a === undefined) delete process.env["CONTAINERD_ADDRESS"];
    else process.env["CONTAINERD_ADDRESS"] = saved.a;
    if (saved.n === undefined) delete process.env["CONTAINERD_NAMESPACE"];
    else process.env["CONTAINERD_NAMESPACE"] = saved.n;
  }
});
