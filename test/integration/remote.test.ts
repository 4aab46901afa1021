// A remote daemon: the lab's containerd reached through nginx terminating mTLS in its own network
// namespace (scripts/lab proxy), as a user reaches a containerd on another machine. The same
// scenarios as over the unix socket; then what goes wrong, typed and without a hang.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { lastValueFrom, of, toArray } from "rxjs";
import {
  Containerd,
  isNotImplemented,
  isUnauthenticated,
  isUnavailable,
  Stdio,
  type ContainerdError,
  type ContainerdOptions,
} from "../../src/index.js";
import { BUSYBOX, labAddress, labClient } from "../support/lab.js";
import { proxyDown, proxyUp, type LabProxy } from "../support/remote-proxy.js";
import { imageRoundTrip, lifecycleNullIO, runToLogFile, taskEvents, waitKilled } from "../support/scenarios.js";
import { settle } from "../support/settle.js";

const up = proxyUp();
const skip = typeof up === "string" ? up : false;
const proxy = up as LabProxy;
const labDir = process.env["RXC_LAB_DIR"] ?? "";
const imageTar = process.env["RXC_LAB_IMAGE_TAR"] ?? join(labDir, "image", "busybox-oci.tar");

// Node warns (DEP0123) when a TLS ServerName is an IP address: dialling an IP must not do that.
const warnings: string[] = [];
const onWarning = (w: Error & { code?: string }) => warnings.push(`${w.code ?? w.name}: ${w.message}`);
process.on("warning", onWarning);

after(() => {
  process.off("warning", onWarning);
  if (!skip) proxyDown();
});

/** A client through the proxy on `namespace`, with the working mTLS options unless overridden. */
function remote(namespace: string, options: Partial<ContainerdOptions> = {}): Containerd {
  return new Containerd({ address: proxy.address, namespace, tls: proxy.tls, ...options });
}

/** A promise bound: a call that should fail fast must not hang the suite. */
async function fast<T>(p: Promise<T>, what: string, ms = 5000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms (a hang)`)), ms);
  });
  return Promise.race([p, bound]).finally(() => clearTimeout(timer));
}

for (const via of ["unix socket", "mTLS proxy"] as const) {
  describe(`scenarios over the ${via}`, { skip }, () => {
    let client: Containerd;
    let dispose: () => Promise<void>;
    before(async () => {
      const lab = await labClient(via === "unix socket" ? "local" : "remote", { image: true });
      dispose = lab.dispose;
      client = via === "unix socket" ? lab.client : remote(lab.client.namespace);
    });
    after(async () => {
      if (client.address !== labAddress()) client.close();
      await dispose();
    });

    test("lifecycle with null IO: wait$ before start, exit 7, delete", () => lifecycleNullIO(client));
    test("run$ with a log file on the daemon's host", () =>
      runToLogFile(client, join(labDir, `remote-${client.namespace}.log`)));
    test("events: a task's create, start and exit", () => taskEvents(client));
    test("wait$ of a killed task", () => waitKilled(client));
    test("images: import (streamed content) + unpack, read, export, delete", () => imageRoundTrip(client, imageTar));
  });
}

describe("the mTLS proxy: names, FIFOs, typed errors", { skip }, () => {
  let dispose: () => Promise<void>;
  let namespace: string;
  before(async () => {
    const lab = await labClient("remote-err", { image: true });
    dispose = lab.dispose;
    namespace = lab.client.namespace;
  });
  after(async () => dispose());

  test("tls.servername: a certificate's DNS name works on an IP address; a wrong one is UnavailableError saying so", async () => {
    const named = remote(namespace, { tls: { ...proxy.tls, servername: proxy.name } });
    assert.ok((await lastValueFrom(named.version$())).version);
    named.close();
    const wrong = remote(namespace, { tls: { ...proxy.tls, servername: "not-in.the.certificate" } });
    const r = await fast(settle(lastValueFrom(wrong.version$())), "wrong servername");
    wrong.close();
    assert.ok(isUnavailable(r.error), String(r.error));
    assert.match((r.error as Error).message, /not issued to this name.*servername/);
  });

  test("no Node warning about an IP address as TLS ServerName", () => {
    assert.deepEqual(
      warnings.filter((w) => /DEP0123|ServerName/.test(w)),
      [],
    );
  });

  test("no client certificate: UnauthenticatedError saying none was sent (nginx answers HTTP 400)", async () => {
    const c = remote(namespace, { tls: { ca: proxy.file("ca.pem") } });
    const r = await fast(settle(lastValueFrom(c.version$())), "no client certificate");
    c.close();
    assert.ok(isUnauthenticated(r.error), String(r.error));
    assert.match((r.error as Error).message, /HTTP 400.*client certificates.*none is sent.*tls\.cert/);
  });

  test("a client certificate from another CA: UnauthenticatedError saying it was refused", async () => {
    const c = remote(namespace, {
      tls: { ca: proxy.file("ca.pem"), cert: proxy.file("other-client.pem"), key: proxy.file("other-client-key.pem") },
    });
    const r = await fast(settle(lastValueFrom(c.version$())), "other CA's client certificate");
    c.close();
    assert.ok(isUnauthenticated(r.error), String(r.error));
    assert.match((r.error as Error).message, /HTTP 400.*refuses the one sent/);
  });

  test("a server certificate from an untrusted CA: UnavailableError with the reason; events$ gives up at once", async () => {
    const c = remote(namespace, { tls: { ...proxy.tls, ca: proxy.file("other-ca.pem") } });
    const r = await fast(settle(lastValueFrom(c.version$())), "wrong server CA");
    assert.ok(isUnavailable(r.error), String(r.error));
    assert.match((r.error as Error).message, /unable to verify.*not trusted: tls\.ca/);
    // Retrying cannot fix a TLS mismatch: the reconnecting event stream errors instead of waiting.
    const e = await fast(settle(lastValueFrom(c.events$())), "events$ with the wrong server CA");
    c.close();
    assert.ok(isUnavailable(e.error), String(e.error));
  });

  test("plain text to the TLS port: UnavailableError saying to give the tls option", async () => {
    const c = new Containerd({ address: proxy.address, namespace });
    const r = await fast(settle(lastValueFrom(c.version$())), "plain text to TLS");
    c.close();
    assert.ok(isUnavailable(r.error), String(r.error));
    assert.match((r.error as Error).message, /plain-text HTTP\/2.*give the tls option/);
  });

  test("Stdio.pipe / streams / terminal on a remote daemon: NotImplementedError at once, no FIFO, no task", async () => {
    const fifoDir = process.env["CONTAINERD_FIFO_DIR"] ?? join(labDir, "fifo");
    const before = readdirSync(fifoDir).sort();
    const c = remote(namespace);
    const container = await lastValueFrom(c.containers.create$("piped", { image: BUSYBOX, args: ["cat"] }));
    for (const io of [
      Stdio.pipe({ stdin: of("x"), fifoDir }),
      Stdio.streams({ stdout: process.stdout, fifoDir }),
      Stdio.terminal({ fifoDir }),
    ]) {
      const r = await fast(settle(lastValueFrom(container.newTask$({ io }))), "FIFO IO on a remote daemon");
      assert.ok(isNotImplemented(r.error), String(r.error));
      assert.match((r.error as ContainerdError).message, /FIFOs cannot cross machines.*Stdio\.logFile/);
    }
    const attach = await fast(settle(lastValueFrom(container.task$({ attach: Stdio.pipe() }))), "attach");
    assert.ok(attach.error, "no task to attach to, or remote: an error either way");
    assert.deepEqual(readdirSync(fifoDir).sort(), before, "no FIFO directory was made");
    assert.deepEqual(await lastValueFrom(c.services.tasks.list$({}).pipe(toArray())), [{ tasks: [] }]);
    await lastValueFrom(container.delete$());
    c.close();
  });

  test("remote: false (a proxy on the daemon's own host): FIFOs work through it", async () => {
    const c = remote(namespace, { remote: false });
    const fifoDir = process.env["CONTAINERD_FIFO_DIR"] ?? join(labDir, "fifo");
    const container = await lastValueFrom(
      c.containers.create$("piped-local", { image: BUSYBOX, args: ["sh", "-c", "echo through-the-proxy"] }),
    );
    const task = await lastValueFrom(container.newTask$({ io: Stdio.pipe({ fifoDir }) }));
    const out = lastValueFrom(task.stdout$.pipe(toArray()));
    const exit$ = task.wait$();
    await lastValueFrom(task.start$());
    assert.equal((await lastValueFrom(exit$)).code, 0);
    assert.equal(Buffer.concat(await out).toString(), "through-the-proxy\n");
    await lastValueFrom(task.delete$());
    await lastValueFrom(container.delete$());
    c.close();
  });
});

// The lab configures containerd's own TCP listener ([grpc] tcp_address, RXC_LAB_TCP). With CRI
// off it serves no service at all; with CRI on it would serve CRI only: never the containerd API.
const tcp = process.env["RXC_LAB_TCP"];
test(
  "containerd's own TCP port (tcp_address): NotImplementedError saying it serves only CRI, at once",
  {
    skip: tcp ? false : "RXC_LAB_TCP is not set (run through scripts/test-all.sh)",
  },
  async () => {
    const client = new Containerd({ address: tcp!, namespace: "default" });
    try {
      const version = await fast(settle(lastValueFrom(client.version$())), "version$ on the TCP port");
      assert.ok(isNotImplemented(version.error), String(version.error));
      assert.match((version.error as ContainerdError).message, /\(\[grpc\] tcp_address\) serves only CRI/);
      const list = await fast(settle(lastValueFrom(client.containers.list$())), "containers.list$ on the TCP port");
      assert.ok(isNotImplemented(list.error), String(list.error));
      assert.match(
        (list.error as ContainerdError).message,
        /unknown service containerd\.services\.containers\.v1\.Containers/,
      );
    } finally {
      client.close();
    }
  },
);
