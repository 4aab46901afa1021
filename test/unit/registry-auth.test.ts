// Credentials per host (issue 10, item 4): local registries and token servers on 127.0.0.1 that
// record every Authorization header, to prove no credential reaches a host it is not keyed to,
// nor a token realm over plain HTTP unless that host is explicitly insecure.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { chmodSync, mkdtempSync, rmSync, writeFileSync, readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { lastValueFrom, of } from "rxjs";
import {
  Registry,
  dockerConfigAuth,
  isInvalidArgument,
  isUnauthenticated,
  type RegistryCredentials,
} from "../../src/index.js";
import { normalizeHostKey } from "../../src/registry.js";
import { realmMayReceive } from "../../src/observables/registry/auth.js";
import { settle } from "../support/settle.js";

interface Seen {
  server: string;
  method: string;
  path: string;
  authorization: string | undefined;
  body: string;
}
const seen: Seen[] = [];
let reg: Server; // the registry the credentials belong to
let other: Server; // another host: a registry and a token server
let R = "";
let T = "";
let tmp = "";
const GOOD = { username: "alice", password: "s3cret" };
const basicOf = (c: { username: string; password: string }) =>
  `Basic ${Buffer.from(`${c.username}:${c.password}`).toString("base64")}`;

async function body(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString();
}

function listen(
  name: () => string,
  handler: (req: IncomingMessage, url: URL, text: string) => [number, Record<string, string>, string],
): Server {
  return createServer((req, res) => {
    void body(req).then((text) => {
      const url = new URL(req.url ?? "/", "http://x");
      seen.push({
        server: name(),
        method: req.method ?? "",
        path: `${url.pathname}${url.search}`,
        authorization: req.headers.authorization,
        body: text,
      });
      const [status, headers, out] = handler(req, url, text);
      res
        .writeHead(status, { "content-type": "application/json", ...headers })
        .end(req.method === "HEAD" ? undefined : out);
    });
  });
}

/** A token server: any request gets `tok-<authorization or anon>`; the registry accepts only tok-good. */
function token(req: IncomingMessage): [number, Record<string, string>, string] {
  const good = req.headers.authorization === basicOf(GOOD) || req.method === "POST";
  return [200, {}, JSON.stringify({ token: good ? "tok-good" : "tok-anon", expires_in: 300 })];
}

before(async () => {
  tmp = mkdtempSync(join(tmpdir(), "rxc-auth-"));
  other = listen(
    () => T,
    (req, url) => {
      if (url.pathname === "/token") return token(req);
      return [
        200,
        {
          "docker-content-digest": `sha256:${"b".repeat(64)}`,
          "content-length": "2",
          "content-type": "application/vnd.oci.image.manifest.v1+json",
        },
        "{}",
      ];
    },
  );
  reg = listen(
    () => R,
    (req, url) => {
      if (url.pathname === "/token") return token(req);
      const repo = /^\/v2\/([^/]+)\//.exec(url.pathname)?.[1] ?? "";
      const ok: [number, Record<string, string>, string] = [
        200,
        {
          "docker-content-digest": `sha256:${"a".repeat(64)}`,
          "content-length": "2",
          "content-type": "application/vnd.oci.image.manifest.v1+json",
        },
        "{}",
      ];
      const auth = req.headers.authorization ?? "";
      if (repo === "basic")
        return auth === basicOf(GOOD) ? ok : [401, { "www-authenticate": `Basic realm="reg"` }, "{}"];
      if (repo === "static") return auth === "Bearer static-token" ? ok : [401, {}, "{}"];
      const realm = repo === "realm-same" ? `http://${R}/token` : `http://${T}/token`;
      if (auth === "Bearer tok-good" || (repo === "anon-ok" && auth.startsWith("Bearer "))) return ok;
      return [401, { "www-authenticate": `Bearer realm="${realm}",service="svc"` }, "{}"];
    },
  );
  for (const s of [reg, other]) await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  R = `127.0.0.1:${(reg.address() as AddressInfo).port}`;
  T = `127.0.0.1:${(other.address() as AddressInfo).port}`;
});
after(async () => {
  for (const s of [reg, other]) await new Promise<void>((r) => s.close(() => r()));
  rmSync(tmp, { recursive: true, force: true });
});

const since = (n: number) => seen.slice(n);
const resolve = (registry: Registry, ref: string) => settle(lastValueFrom(registry.resolve$(ref)));

test("a { token } keyed to one host is sent there, and never to a registry another reference names", async () => {
  const registry = new Registry({ auth: { [R]: { token: "static-token" } } });
  const n = seen.length;
  assert.equal((await resolve(registry, `${T}/app:1`)).error, undefined);
  assert.equal((await resolve(registry, `${R}/static:1`)).error, undefined);
  const at = since(n);
  assert.deepEqual(
    at.filter((s) => s.server === T).map((s) => s.authorization),
    [undefined],
    "nothing to the other host",
  );
  assert.deepEqual(
    at.filter((s) => s.server === R).map((s) => s.authorization),
    ["Bearer static-token"],
  );
});

test("an auth option that is not keyed by host is an InvalidArgumentError, before any request", async () => {
  const n = seen.length;
  for (const auth of [{ token: "t" }, { username: "u", password: "p" }, { [R]: { user: "u" } }] as unknown as Record<
    string,
    RegistryCredentials
  >[]) {
    const r = await resolve(new Registry({ auth }), `${R}/static:1`);
    assert.ok(isInvalidArgument(r.error), String(r.error));
  }
  assert.equal(seen.length, n, "no request made");
});

test("basic credentials go only to their host: keyed to another host, the registry sees none", async () => {
  const n = seen.length;
  const wrongHost = await resolve(new Registry({ auth: { [T]: GOOD } }), `${R}/basic:1`);
  assert.ok(isUnauthenticated(wrongHost.error), String(wrongHost.error));
  assert.ok(
    since(n).every((s) => s.authorization === undefined),
    "no Authorization anywhere",
  );
  const m = seen.length;
  assert.equal((await resolve(new Registry({ auth: { [R]: GOOD } }), `${R}/basic:1`)).error, undefined);
  assert.deepEqual(
    since(m).map((s) => s.authorization),
    [undefined, basicOf(GOOD)],
    "anonymous, 401, then basic",
  );
});

test("a token realm on another host over plain HTTP gets no credentials unless that host is explicitly insecure", async () => {
  const n = seen.length;
  const r = await resolve(new Registry({ auth: { [R]: GOOD } }), `${R}/realm-other:1`);
  assert.ok(isUnauthenticated(r.error), `anonymous token is refused by the registry: ${String(r.error)}`);
  const tokenReqs = since(n).filter((s) => s.path.startsWith("/token"));
  assert.equal(tokenReqs.length, 1);
  assert.equal(tokenReqs[0]?.server, T);
  assert.equal(tokenReqs[0]?.authorization, undefined, "no basic credentials to the http realm");
  assert.ok(!tokenReqs[0]?.path.includes("account="), "no account either");
  assert.ok(
    since(n).every((s) => s.authorization === undefined || s.server === R),
    "nothing of R's reached T",
  );
  // Named insecure: the realm host may receive them (docker's realm behaviour).
  const m = seen.length;
  const insecure = new Registry({ auth: { [R]: GOOD }, plainHttp: (h) => h === R || h === T });
  assert.equal((await resolve(insecure, `${R}/realm-other:1`)).error, undefined);
  const granted = since(m).find((s) => s.path.startsWith("/token"));
  assert.equal(granted?.authorization, basicOf(GOOD));
  assert.ok(granted?.path.includes("account=alice"));
});

test("a realm on the registry's own (plain-HTTP) host gets the registry's credentials", async () => {
  const n = seen.length;
  assert.equal((await resolve(new Registry({ auth: { [R]: GOOD } }), `${R}/realm-same:1`)).error, undefined);
  assert.equal(since(n).find((s) => s.path.startsWith("/token"))?.authorization, basicOf(GOOD));
});

test("realm rules: https realms get them, http only on explicitly insecure hosts or the plain-HTTP registry itself", () => {
  const opts = {
    plainHttp: (h: string) => h.startsWith("127."),
    explicitlyInsecure: (h: string) => h === "insecure.lan",
  };
  assert.equal(realmMayReceive("registry-1.docker.io", new URL("https://auth.docker.io/token"), opts), true);
  assert.equal(realmMayReceive("reg.example", new URL("http://auth.example/token"), opts), false);
  assert.equal(
    realmMayReceive("reg.example", new URL("http://reg.example/token"), opts),
    false,
    "https registry, http realm on it: a downgrade",
  );
  assert.equal(realmMayReceive("127.0.0.1:5000", new URL("http://127.0.0.1:5000/token"), opts), true);
  assert.equal(realmMayReceive("127.0.0.1:5000", new URL("http://127.0.0.1:5001/token"), opts), false);
  assert.equal(realmMayReceive("reg.example", new URL("http://insecure.lan/token"), opts), true);
  assert.equal(realmMayReceive("reg.example", new URL("ftp://reg.example/token"), opts), false);
});

test("a lookup function gets the host, may answer with an Observable, and is asked once per host", async () => {
  const asked: string[] = [];
  const registry = new Registry({
    auth: (host) => {
      asked.push(host);
      return of(host === R ? GOOD : undefined);
    },
  });
  for (let i = 0; i < 3; i++) assert.equal((await resolve(registry, `${R}/basic:1`)).error, undefined);
  await resolve(registry, `${T}/app:1`);
  assert.deepEqual(asked, [R, T]);
  assert.equal(normalizeHostKey("https://index.docker.io/v1/"), "docker.io");
  assert.equal(normalizeHostKey("Registry-1.Docker.io"), "docker.io");
  assert.equal(normalizeHostKey("http://reg.lan:5000/path"), "reg.lan:5000");
});

test("an identity token is exchanged by the OAuth POST at the realm (refresh_token grant)", async () => {
  const n = seen.length;
  assert.equal(
    (await resolve(new Registry({ auth: { [R]: { identityToken: "refresh-me" } } }), `${R}/realm-same:1`)).error,
    undefined,
  );
  const post = since(n).find((s) => s.path.startsWith("/token"));
  assert.equal(post?.method, "POST");
  const form = new URLSearchParams(post?.body);
  assert.equal(form.get("grant_type"), "refresh_token");
  assert.equal(form.get("refresh_token"), "refresh-me");
  assert.equal(form.get("service"), "svc");
  assert.equal(form.get("scope"), "repository:realm-same:pull");
});

function helper(name: string, script: string): void {
  const path = join(tmp, `docker-credential-${name}`);
  writeFileSync(path, `#!/bin/sh\n${script}\n`);
  chmodSync(path, 0o755);
}

test("dockerConfigAuth: auths (base64 auth, identitytoken), credHelpers and credsStore via a helper on PATH", async () => {
  const log = join(tmp, "helper.log");
  helper(
    "fake",
    `read server; echo "$1 $server" >> ${log}; case "$server" in *hub*|https://index.docker.io/v1/) echo '{"Username":"<token>","Secret":"idt"}';; ${R}) echo '{"ServerURL":"x","Username":"alice","Secret":"s3cret"}';; *) echo "credentials not found in native keychain"; exit 1;; esac`,
  );
  helper("broken", "echo boom >&2; exit 3");
  const env = { ...process.env, PATH: `${tmp}:${process.env["PATH"] ?? ""}` };
  const write = (config: unknown): string => {
    const p = join(tmp, `config-${Math.random()}.json`);
    writeFileSync(p, JSON.stringify(config));
    return p;
  };
  const b64 = Buffer.from("alice:s3cret").toString("base64");
  const fileOnly = dockerConfigAuth({
    env,
    path: write({
      auths: {
        [`http://${R}/`]: { auth: b64 },
        "https://index.docker.io/v1/": { identitytoken: "hub-idt", auth: Buffer.from("bob:").toString("base64") },
        "tok.example": { registrytoken: "rt" },
      },
    }),
  });
  assert.deepEqual(await lastValueFrom(fileOnly(R)), GOOD);
  assert.deepEqual(await lastValueFrom(fileOnly("registry-1.docker.io")), {
    identityToken: "hub-idt",
    username: "bob",
  });
  assert.deepEqual(await lastValueFrom(fileOnly("tok.example")), { token: "rt" });
  assert.equal(await lastValueFrom(fileOnly(T)), undefined);
  const helpers = dockerConfigAuth({
    env,
    path: write({ credsStore: "fake", credHelpers: { [T]: "broken" }, auths: { [R]: {} } }),
  });
  assert.deepEqual(await lastValueFrom(helpers(R)), GOOD);
  assert.deepEqual(await lastValueFrom(helpers("docker.io")), { identityToken: "idt" });
  assert.equal(await lastValueFrom(helpers("unknown.example")), undefined, "credentials not found: anonymous");
  const broken = await settle(lastValueFrom(helpers(T)));
  assert.ok(
    isUnauthenticated(broken.error) && /docker-credential-broken.*exited 3: boom/.test(String(broken.error)),
    String(broken.error),
  );
  assert.deepEqual(readFileSync(log, "utf8").trim().split("\n"), [
    `get ${R}`,
    "get https://index.docker.io/v1/",
    "get unknown.example",
  ]);
  const missing = dockerConfigAuth({ env, path: join(tmp, "nope.json") });
  assert.equal(await lastValueFrom(missing(R)), undefined);
  const junk = join(tmp, "junk.json");
  writeFileSync(junk, "{ not json");
  assert.ok(isInvalidArgument((await settle(lastValueFrom(dockerConfigAuth({ path: junk })(R)))).error));
  const badName = dockerConfigAuth({ env, path: write({ credsStore: "../../bin/sh" }) });
  assert.ok(isInvalidArgument((await settle(lastValueFrom(badName(R)))).error));
  // End to end: a registry whose auth is the helper.
  const n = seen.length;
  assert.equal((await resolve(new Registry({ auth: helpers }), `${R}/basic:1`)).error, undefined);
  assert.equal(since(n).at(-1)?.authorization, basicOf(GOOD));
});
