import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { InvalidArgumentError } from "../../src/errors/containerd-error.js";
import { defaultSpec } from "../../src/observables/spec/default-spec.js";
import { DEFAULT_PATH_ENV, envFromRecord, mergeEnv } from "../../src/observables/spec/env.js";
import { withImageConfig } from "../../src/observables/spec/image-opts.js";
import {
  withAddedCapabilities,
  withCPUShares,
  withCapabilities,
  withDroppedCapabilities,
  withHostNamespace,
  withLinuxNamespace,
  withMemoryLimit,
  withNoNewPrivileges,
  withPidsLimit,
  withRlimit,
} from "../../src/observables/spec/linux-opts.js";
import {
  withAnnotations,
  withDefaultPathEnv,
  withEnv,
  withHostname,
  withMounts,
  withProcessArgs,
  withProcessCwd,
  withReadonlyRootfs,
  withTTY,
} from "../../src/observables/spec/process-opts.js";
import {
  applySpecOpts,
  composeSpecOpts,
  defineSpecOpt,
  type SpecContext,
  type SpecOpt,
} from "../../src/observables/spec/spec-opts.js";
import type { ImageConfig } from "../../src/observables/spec/image-types.js";
import type { Spec } from "../../src/observables/spec/types.js";
import { withAdditionalGIDs, withUIDGID, withUser } from "../../src/observables/spec/user-opts.js";

const ctx: SpecContext = { namespace: "ns", id: "id" };
const base = (): Spec => defaultSpec("ns", "id");
const run = (...opts: SpecOpt[]): Spec => applySpecOpts(base(), ctx, opts);

const PASSWD = "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:App:/home/app:/bin/sh\nsvc:x:2000:2001::/:/bin/false\n";
const GROUP = "root:x:0:\nwheel:x:10:root,app\napp:x:1000:app\ndocker:x:999:app\nsvcgrp:x:2001:\nstaff:x:50:\n";
const imageCtx = (
  config: ImageConfig = {},
  files: { passwd?: string; group?: string } = { passwd: PASSWD, group: GROUP },
): SpecContext => ({ namespace: "ns", id: "id", image: { config, ...files } });
const isInvalid = (re: RegExp) => (e: unknown) => e instanceof InvalidArgumentError && re.test((e as Error).message);

test("mergeEnv: replace in place, append, unset; inputs untouched", () => {
  const defaults = ["PATH=/bin", "A=1", "B=2"];
  assert.deepEqual(mergeEnv(defaults, ["A=9", "C=3", "B", "C=4", "D", "E=x=y"]), ["PATH=/bin", "A=9", "C=4", "E=x=y"]);
  assert.deepEqual(defaults, ["PATH=/bin", "A=1", "B=2"]);
  assert.deepEqual(mergeEnv([], ["X=1", "X"]), []);
  assert.deepEqual(envFromRecord({ A: "1", B: undefined }), ["A=1", "B"]);
});

test("withEnv: array and record forms replace by key", () => {
  const s = run(
    withEnv(["PATH=/bin", "A=1", "B=2"]),
    withEnv(["A=10", "C=3"]),
    withEnv({ B: undefined, D: "4", PATH: "/usr/bin" }),
  );
  assert.deepEqual(s.process?.env, ["PATH=/usr/bin", "A=10", "C=3", "D=4"]);
  assert.equal(run(withEnv([])).process?.env, undefined);
});

test("withDefaultPathEnv, withProcessArgs, withProcessCwd, withHostname", () => {
  const s = run(
    withEnv(["PATH=/x", "A=1"]),
    withDefaultPathEnv(),
    withProcessArgs("sh", "-c", "true"),
    withProcessCwd("/srv"),
    withHostname("h1"),
  );
  assert.deepEqual(s.process?.env, [DEFAULT_PATH_ENV, "A=1"]);
  assert.equal(DEFAULT_PATH_ENV, "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
  assert.deepEqual(s.process?.args, ["sh", "-c", "true"]);
  assert.equal(s.process?.cwd, "/srv");
  assert.equal(s.hostname, "h1");
  assert.throws(() => withProcessCwd("relative"), isInvalid(/absolute/));
});

test("withProcessArgs copies its arguments and clears commandLine", () => {
  const args = ["a", "b"];
  const opt = withProcessArgs(...args);
  args.push("c");
  const s = applySpecOpts({ ...base(), process: { user: { uid: 0, gid: 0 }, cwd: "/", commandLine: "x y" } }, ctx, [
    opt,
  ]);
  assert.deepEqual(s.process?.args, ["a", "b"]);
  assert.equal(s.process?.commandLine, undefined);
});

test("withTTY sets terminal and TERM=xterm once; keeps an existing TERM", () => {
  const s = run(withEnv(["A=1"]), withTTY(), withTTY());
  assert.equal(s.process?.terminal, true);
  assert.deepEqual(s.process?.env, ["A=1", "TERM=xterm"]);
  assert.deepEqual(run(withEnv(["TERM=vt100"]), withTTY()).process?.env, ["TERM=vt100"]);
  assert.equal(run(withTTY(false)).process?.terminal, false);
  assert.equal(run(withTTY(false)).process?.env, undefined);
});

test("withMounts appends after the 7 defaults; withReadonlyRootfs; withAnnotations merges", () => {
  const m = { destination: "/data", type: "bind", source: "/srv", options: ["rbind", "ro"] };
  const s = run(
    withMounts([m]),
    withReadonlyRootfs(),
    withAnnotations({ a: "1", b: "2" }),
    withAnnotations({ b: "3" }),
  );
  assert.equal(s.mounts?.length, 8);
  assert.deepEqual(s.mounts?.[7], m);
  assert.notEqual(s.mounts?.[7], m);
  assert.deepEqual(s.root, { path: "rootfs", readonly: true });
  assert.deepEqual(s.annotations, { a: "1", b: "3" });
  assert.throws(() => withMounts([{ destination: "" }]), InvalidArgumentError);
});

test("namespaces: withHostNamespace removes, withLinuxNamespace replaces or appends", () => {
  const s = run(
    withHostNamespace("network"),
    withLinuxNamespace({ type: "ipc", path: "/proc/1/ns/ipc" }),
    withLinuxNamespace({ type: "user" }),
  );
  assert.deepEqual(s.linux?.namespaces, [
    { type: "pid" },
    { type: "ipc", path: "/proc/1/ns/ipc" },
    { type: "uts" },
    { type: "mount" },
    { type: "user" },
  ]);
  assert.throws(() => withHostNamespace("net" as never), isInvalid(/unknown namespace type/));
});

test("resources: memory, pids and cpu shares; bad values throw", () => {
  const s = run(withMemoryLimit(256 * 1024 * 1024), withPidsLimit(64), withCPUShares(512));
  assert.deepEqual(s.linux?.resources, {
    devices: [{ allow: false, access: "rwm" }],
    memory: { limit: 268435456 },
    pids: { limit: 64 },
    cpu: { shares: 512 },
  });
  assert.deepEqual(applySpecOpts({ ociVersion: "1.0.2" }, ctx, [withMemoryLimit(1)]).linux, {
    resources: { memory: { limit: 1 } },
  });
  assert.equal(run(withPidsLimit(-1)).linux?.resources?.pids?.limit, -1);
  assert.throws(() => withMemoryLimit(-1), isInvalid(/withMemoryLimit/));
  assert.throws(() => withMemoryLimit(1.5), InvalidArgumentError);
  assert.throws(() => withMemoryLimit(Number.NaN), InvalidArgumentError);
  assert.throws(() => withPidsLimit(-2), InvalidArgumentError);
  assert.throws(() => withCPUShares(-1), InvalidArgumentError);
});

test("capabilities: set, add (no duplicates), drop; names need CAP_", () => {
  const set = run(withCapabilities(["CAP_KILL"])).process?.capabilities;
  assert.deepEqual(set, { bounding: ["CAP_KILL"], effective: ["CAP_KILL"], permitted: ["CAP_KILL"] });
  const added = run(withAddedCapabilities(["CAP_NET_ADMIN", "CAP_KILL", "CAP_NET_ADMIN"])).process?.capabilities;
  assert.equal(added?.bounding?.length, 15);
  assert.equal(added?.bounding?.at(-1), "CAP_NET_ADMIN");
  assert.deepEqual(added?.effective, added?.bounding);
  assert.deepEqual(added?.permitted, added?.bounding);
  const dropped = run(withDroppedCapabilities(["CAP_NET_RAW", "CAP_MKNOD"])).process?.capabilities;
  assert.equal(dropped?.permitted?.length, 12);
  assert.ok(!dropped?.bounding?.includes("CAP_NET_RAW"));
  assert.equal(dropped?.inheritable, undefined);
  assert.throws(() => withAddedCapabilities(["NET_ADMIN"]), isInvalid(/CAP_NET_ADMIN/));
});

test("withNoNewPrivileges and withRlimit", () => {
  assert.ok(
    !("noNewPrivileges" in (run(withNoNewPrivileges(false)).process ?? {})),
    "false is omitted, as in Go's JSON",
  );
  assert.equal(run(withNoNewPrivileges(false), withNoNewPrivileges()).process?.noNewPrivileges, true);
  const s = run(
    withRlimit({ type: "RLIMIT_NOFILE", soft: 4096, hard: 8192 }),
    withRlimit({ type: "RLIMIT_NPROC", soft: 10, hard: 10 }),
  );
  assert.deepEqual(s.process?.rlimits, [
    { type: "RLIMIT_NOFILE", hard: 8192, soft: 4096 },
    { type: "RLIMIT_NPROC", hard: 10, soft: 10 },
  ]);
  assert.throws(() => withRlimit({ type: "RLIMIT_NOFILE", soft: 10, hard: 5 }), InvalidArgumentError);
  assert.throws(() => withRlimit({ type: "nofile", soft: 1, hard: 1 }), InvalidArgumentError);
});

test("withUser: names resolved from passwd/group text", () => {
  const c = imageCtx();
  const user = (u: string, cx = c) => applySpecOpts(base(), cx, [withUser(u)]).process?.user;
  assert.deepEqual(user("app"), { uid: 1000, gid: 1000, additionalGids: [1000, 10, 999] });
  assert.deepEqual(user("app:staff"), { uid: 1000, gid: 50, additionalGids: [50, 10, 999] });
  assert.deepEqual(user("app:7"), { uid: 1000, gid: 7, additionalGids: [7, 10, 999] });
  assert.deepEqual(user("1000"), { uid: 1000, gid: 1000, additionalGids: [1000, 10, 999] });
  assert.deepEqual(user("2000"), { uid: 2000, gid: 2001, additionalGids: [2001] });
  assert.deepEqual(user("2000:docker"), { uid: 2000, gid: 999, additionalGids: [999] });
  assert.deepEqual(user("4242"), { uid: 4242, gid: 0, additionalGids: [0] });
  assert.deepEqual(user("0"), { uid: 0, gid: 0, additionalGids: [0, 10] });
});

test("withUser: numeric forms need no image; names without text or unknown throw", () => {
  assert.deepEqual(run(withUser("1001:1002")).process?.user, { uid: 1001, gid: 1002, additionalGids: [1002] });
  assert.deepEqual(run(withUser("1001")).process?.user, { uid: 1001, gid: 0, additionalGids: [0] });
  assert.throws(() => run(withUser("app")), isInvalid(/without the image's \/etc\/passwd/));
  assert.throws(() => applySpecOpts(base(), imageCtx(), [withUser("nobody")]), isInvalid(/no user "nobody"/));
  assert.throws(() => applySpecOpts(base(), imageCtx(), [withUser("app:nogroup")]), isInvalid(/no group "nogroup"/));
  assert.throws(
    () => applySpecOpts(base(), imageCtx({}, { passwd: PASSWD }), [withUser("app:staff")]),
    isInvalid(/\/etc\/group/),
  );
  for (const bad of ["", "a:b:c", ":1", "1:"]) assert.throws(() => withUser(bad), isInvalid(/invalid user/), bad);
});

test("withUser keeps umask; withUIDGID and withAdditionalGIDs", () => {
  const start: Spec = {
    ...base(),
    process: { user: { uid: 5, gid: 5, umask: 0o22, additionalGids: [1, 2] }, cwd: "/" },
  };
  assert.deepEqual(applySpecOpts(start, ctx, [withUser("7:8")]).process?.user, {
    uid: 7,
    gid: 8,
    umask: 0o22,
    additionalGids: [8],
  });
  assert.deepEqual(run(withUIDGID(65534, 65534)).process?.user, { uid: 65534, gid: 65534, additionalGids: [65534] });
  assert.throws(() => withUIDGID(-1, 0), InvalidArgumentError);
  assert.throws(() => withUIDGID(0, 2 ** 31), InvalidArgumentError);
  assert.deepEqual(applySpecOpts(base(), imageCtx(), [withAdditionalGIDs("app")]).process?.user, {
    uid: 0,
    gid: 0,
    additionalGids: [0, 10, 999],
  });
  assert.deepEqual(
    applySpecOpts(base(), imageCtx(), [withAdditionalGIDs("1000")]).process?.user.additionalGids,
    [0, 10, 999],
  );
  assert.deepEqual(run(withAdditionalGIDs("root")).process?.user.additionalGids, [0]);
});

test("withImageConfig: env, args, cwd and user as WithImageConfigArgs", () => {
  const config = {
    Env: ["PATH=/img/bin", "A=img"],
    Entrypoint: ["/entry"],
    Cmd: ["serve", "--port=80"],
    WorkingDir: "/app",
    User: "app",
  };
  const s = applySpecOpts(base(), imageCtx(config), [withEnv(["A=mine", "B=mine"]), withImageConfig()]);
  assert.deepEqual(s.process?.env, ["PATH=/img/bin", "A=mine", "B=mine"]);
  assert.deepEqual(s.process?.args, ["/entry", "serve", "--port=80"]);
  assert.equal(s.process?.cwd, "/app");
  assert.deepEqual(s.process?.user, { uid: 1000, gid: 1000, additionalGids: [1000, 10, 999] });
  const withArgs = applySpecOpts(base(), imageCtx(config), [withImageConfig(["sh"])]);
  assert.deepEqual(withArgs.process?.args, ["/entry", "sh"]);
});

test("withImageConfig: busybox-like image keeps its PATH; a bare image gets the default PATH; cwd /; root's groups", () => {
  const busybox = applySpecOpts(base(), imageCtx({ Env: ["PATH=/bin"], Cmd: ["sh"] }), [withImageConfig()]);
  assert.deepEqual(busybox.process?.env, ["PATH=/bin"]);
  assert.deepEqual(busybox.process?.args, ["sh"]);
  assert.equal(busybox.process?.cwd, "/");
  assert.deepEqual(busybox.process?.user, { uid: 0, gid: 0, additionalGids: [0, 10] });
  const bare = applySpecOpts(base(), { ...ctx, image: { config: { Entrypoint: null, Cmd: null, Env: null } } }, [
    withImageConfig(),
  ]);
  assert.deepEqual(bare.process?.env, [DEFAULT_PATH_ENV]);
  assert.equal(bare.process?.args, undefined);
  assert.deepEqual(bare.process?.user, { uid: 0, gid: 0, additionalGids: [0] });
  assert.throws(() => run(withImageConfig()), isInvalid(/no image/));
  assert.throws(
    () => applySpecOpts(base(), imageCtx({ User: "ghost" }), [withImageConfig()]),
    isInvalid(/no user "ghost"/),
  );
});

test("compose/apply: order, identity copy, custom opts", () => {
  const both = composeSpecOpts(withProcessArgs("a"), withProcessArgs("b"));
  assert.deepEqual(both(base(), ctx).process?.args, ["b"]);
  const spec = base();
  const out = applySpecOpts(spec, ctx, []);
  assert.deepEqual(out, spec);
  assert.notEqual(out, spec);
  const withCtxHostname = defineSpecOpt((draft, c) => {
    draft.hostname = `${c.namespace}-${c.id}`;
  });
  assert.equal(run(withCtxHostname).hostname, "ns-id");
});

test("purity: the input spec is deep-equal to its snapshot after applying every option", () => {
  const input = base();
  const snapshot = structuredClone(input);
  const c = imageCtx({ Env: ["X=1"], Cmd: ["c"], User: "app" });
  const out = applySpecOpts(input, c, [
    withProcessArgs("x"),
    withEnv(["A=1"]),
    withDefaultPathEnv(),
    withProcessCwd("/w"),
    withHostname("h"),
    withTTY(),
    withMounts([{ destination: "/m" }]),
    withHostNamespace("pid"),
    withLinuxNamespace({ type: "cgroup" }),
    withMemoryLimit(1),
    withPidsLimit(2),
    withCPUShares(3),
    withReadonlyRootfs(),
    withAnnotations({ k: "v" }),
    withCapabilities(["CAP_KILL"]),
    withAddedCapabilities(["CAP_CHOWN"]),
    withDroppedCapabilities(["CAP_KILL"]),
    withNoNewPrivileges(false),
    withRlimit({ type: "RLIMIT_NOFILE", soft: 1, hard: 2 }),
    withUser("app"),
    withUIDGID(1, 1),
    withAdditionalGIDs("app"),
    withImageConfig(),
  ]);
  assert.deepEqual(input, snapshot);
  assert.notDeepEqual(out, snapshot);
  for (const opt of [withMemoryLimit(5), withUser("app"), withImageConfig(), withDroppedCapabilities(["CAP_CHOWN"])]) {
    const result = opt(input, c);
    assert.deepEqual(input, snapshot);
    result.process?.capabilities?.bounding?.push("CAP_SYS_ADMIN");
    result.mounts?.[0]?.options?.push("rw");
    assert.deepEqual(input, snapshot);
  }
});

test("property: random option sequences never mutate the input", () => {
  const opts: SpecOpt[] = [
    withEnv(["A=1"]),
    withEnv({ A: undefined }),
    withTTY(),
    withMounts([{ destination: "/x" }]),
    withHostNamespace("network"),
    withMemoryLimit(10),
    withAddedCapabilities(["CAP_SYS_ADMIN"]),
    withDroppedCapabilities(["CAP_CHOWN"]),
    withUser("1:2"),
    withRlimit({ type: "RLIMIT_CORE", soft: 0, hard: 0 }),
    withAnnotations({ x: "y" }),
    withProcessArgs("z"),
  ];
  fc.assert(
    fc.property(fc.array(fc.nat(opts.length - 1), { maxLength: 12 }), (picks) => {
      const input = base();
      const snapshot = structuredClone(input);
      applySpecOpts(
        input,
        ctx,
        picks.map((i) => opts[i] as SpecOpt),
      );
      assert.deepEqual(input, snapshot);
    }),
  );
});
