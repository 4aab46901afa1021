// rxctr in a real terminal (tmux): `run -it` with a shell, resizes, the terminal restored on exit;
// image pull progress as bars on a TTY and as plain lines in a pipe.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { lastValueFrom } from "rxjs";
import type { Containerd } from "../../src/index.js";
import { cli, RXCTR, Tmux } from "../support/cli.js";
import { labClient } from "../support/lab.js";
import { registryDown, registrySeed, registryUp } from "../support/registry.js";

let client: Containerd;
let dispose: () => Promise<void>;
let ns: string;
let registry: string;
let tmux: Tmux;
before(async () => {
  ({ client, dispose } = await labClient("clitty", { image: true }));
  ns = client.namespace;
  const archive = process.env["RXC_LAB_IMAGE_TAR"];
  assert.ok(archive, "RXC_LAB_IMAGE_TAR is set by the lab");
  registry = registryUp();
  registrySeed(registry, archive, "library/busybox:latest");
  const env: Record<string, string> = {};
  for (const k of ["CONTAINERD_ADDRESS", "CONTAINERD_FIFO_DIR", "PATH", "HOME"]) {
    const v = process.env[k];
    if (v !== undefined) env[k] = v;
  }
  tmux = new Tmux({ ...env, PS1: "host$ " });
});
after(async () => {
  tmux?.kill();
  if (registry) registryDown(registry);
  await dispose();
});

const rxctr = `${process.execPath} ${RXCTR} -n`;

test("run -it: a shell answers, follows the pane's size, and the terminal mode comes back on exit", async () => {
  tmux.type(`S0=$(stty -g); ${rxctr} ${ns} run -it --rm --name tty1 busybox sh; echo "EXIT=$?"`);
  await tmux.waitFor(/\/ # $/m, "the container's shell prompt");
  tmux.type("echo answer-$((6 * 7))");
  await tmux.waitFor(/^answer-42/m, "the shell's answer");
  tmux.type("stty size");
  await tmux.waitFor(/^24 80$/m, "the TTY starts at the pane's size");
  tmux.resize(100, 30);
  tmux.type("stty size");
  await tmux.waitFor(/^30 100$/m, "the TTY follows the resize (SIGWINCH → resize$)");
  tmux.type("exit 3");
  await tmux.waitFor(/^EXIT=3$/m, "run exits with the shell's code");
  tmux.type('[ "$(stty -g)" = "$S0" ] && echo MODE-RESTORED || echo MODE-CHANGED');
  await tmux.waitFor(/^MODE-(RESTORED|CHANGED)$/m, "the mode check");
  assert.match(tmux.screen(), /^MODE-RESTORED$/m, "stty settings as before the run");
  const containers = (await lastValueFrom(client.services.containers.list$({}))).containers;
  assert.deepEqual(containers, [], "--rm removed the container");
});

test("images pull: bars per layer and overall on a TTY, plain lines in a pipe", async () => {
  const ref = `${registry}/library/busybox:latest`;
  tmux.type("clear");
  tmux.type(`${rxctr} ${ns}-bars images pull ${ref}; echo "PULLED=$?"`);
  const screen = await tmux.waitFor(/^PULLED=\d+$/m, "the pull ends");
  assert.match(screen, /^PULLED=0$/m, screen);
  assert.match(screen, /^resolved .*busybox:latest sha256:[0-9a-f]{12}$/m);
  assert.match(
    screen,
    /^sha256:[0-9a-f]{12} +done +\[=+\] [\d.]+ (B|KiB|MiB) \/ [\d.]+ (B|KiB|MiB)$/m,
    "a bar per blob",
  );
  assert.match(screen, /^total +2\/2 +\[=+\] /m, "the overall bar");
  assert.match(screen, /^unpacked layer 0 sha256:[0-9a-f]{12}$/m);
  const plain = await cli(["-n", `${ns}-plain`, "images", "pull", ref]);
  try {
    assert.equal(plain.code, 0, plain.stderr);
    assert.ok(!plain.stdout.includes("\x1b"), "no escape sequences in a pipe");
    const lines = plain.stdout.trim().split("\n");
    assert.match(lines[0]!, /^resolved \S+busybox:latest sha256:[0-9a-f]{64}$/);
    assert.ok(
      lines.some((l) => /^downloading sha256:[0-9a-f]{64} \d+ bytes$/.test(l)),
      plain.stdout,
    );
    assert.ok(
      lines.some((l) => /^downloaded sha256:[0-9a-f]{64}$/.test(l)),
      plain.stdout,
    );
    assert.ok(
      lines.some((l) => /^unpacked layer 0 sha256:[0-9a-f]{64}$/.test(l)),
      plain.stdout,
    );
    assert.equal(lines.at(-1), `done ${ref}`);
    const missing = await cli(["-n", `${ns}-plain`, "images", "pull", `${registry}/library/nope:1`]);
    assert.equal(missing.code, 125);
    assert.match(missing.stderr, /^rxctr: pull \S+\/library\/nope:1: .*not found/i);
  } finally {
    for (const n of [`${ns}-bars`, `${ns}-plain`]) {
      const c = client.withNamespace(n);
      await lastValueFrom(c.images.delete$(ref, { sync: true })).catch(() => undefined);
      await lastValueFrom(c.namespaces.delete$(n));
    }
  }
});
