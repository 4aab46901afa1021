// The rxctr bin as shipped (dist/cli/rxctr.cjs, `npm run build`): it runs the bundled CLI and
// keeps V8's code cache in $RXCTR_CACHE_DIR; a bad or unwritable cache only costs the compile.
// No daemon needed: `--help` loads the whole bundle.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { RXCTR } from "../support/cli.js";

const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function cacheDir(): string {
  const d = mkdtempSync(join(tmpdir(), "rxctr-cache-"));
  dirs.push(d);
  return join(d, "cache");
}

function help(env: NodeJS.ProcessEnv): void {
  assert.ok(existsSync(RXCTR), `${RXCTR} is missing: run \`npm run build\` first`);
  const r = spawnSync(process.execPath, [RXCTR, "--help"], {
    env: { ...process.env, NODE_DISABLE_COMPILE_CACHE: "", ...env },
    encoding: "utf8",
    timeout: 20_000,
  });
  assert.equal(r.error, undefined, `rxctr --help did not run: ${String(r.error)}`);
  assert.equal(r.status, 0, `rxctr --help exited ${r.status}: ${r.stderr}`);
  assert.match(r.stdout, /^Usage: rxctr /m);
}

const caches = (dir: string): string[] => readdirSync(dir).filter((f) => f.endsWith(".v8cache"));

test("the first run writes the code cache (0700 dir, 0600 file), the next runs use it unchanged", () => {
  const dir = cacheDir();
  help({ RXCTR_CACHE_DIR: dir });
  const [file] = caches(dir);
  assert.ok(file, "no cache file written");
  assert.equal(statSync(dir).mode & 0o777, 0o700);
  const path = join(dir, file);
  assert.equal(statSync(path).mode & 0o777, 0o600);
  const before = statSync(path);
  assert.ok(before.size > 100_000, `cache of ${before.size} bytes`);
  help({ RXCTR_CACHE_DIR: dir });
  // Accepted by V8, so not rewritten (a missing or rejected cache is renamed into place afresh).
  assert.equal(statSync(path).ino, before.ino, "the cache was rewritten: V8 did not accept it");
  assert.deepEqual(caches(dir), [file]);
});

test("a corrupt cache is rejected by V8, the CLI still runs, and the cache is rewritten", () => {
  const dir = cacheDir();
  help({ RXCTR_CACHE_DIR: dir });
  const path = join(dir, caches(dir)[0]!);
  const garbage = Buffer.alloc(4096, 7);
  writeFileSync(path, garbage);
  help({ RXCTR_CACHE_DIR: dir });
  assert.notDeepEqual(readFileSync(path), garbage);
});

test("the cache of another build is removed when a new one is written", () => {
  const dir = cacheDir();
  help({ RXCTR_CACHE_DIR: dir });
  const current = caches(dir)[0]!;
  const stale = "rxctr-1-2-v0.0.0-x64.v8cache";
  writeFileSync(join(dir, stale), "old");
  rmSync(join(dir, current));
  help({ RXCTR_CACHE_DIR: dir });
  assert.deepEqual(caches(dir), [current]);
});

test("an unwritable cache directory, or NODE_DISABLE_COMPILE_CACHE, runs without a cache", () => {
  const file = join(cacheDir(), "..", "a-file");
  writeFileSync(file, "");
  help({ RXCTR_CACHE_DIR: join(file, "cache") }); // a directory under a file cannot be made
  const dir = cacheDir();
  help({ RXCTR_CACHE_DIR: dir, NODE_DISABLE_COMPILE_CACHE: "1" });
  assert.equal(existsSync(dir), false);
});
