#!/usr/bin/env node
// rxctr's bin (copied to dist/cli/rxctr.cjs by scripts/build-cli.mjs): runs the bundled CLI,
// dist/cli/rxctr-bundle.cjs, through V8's code cache so that a start after the first one skips
// compiling it.
// - It does what Node 22's module.enableCompileCache does, with vm.Script's cachedData, so that
//   Node 20 has it too.
// - The cache lives in $RXCTR_CACHE_DIR, else $XDG_CACHE_HOME/rxcontainerd, else
//   ~/.cache/rxcontainerd (mode 0700), keyed by the bundle's size and mtime, the Node version and
//   the architecture. V8 checks the source hash and its flags too, and compiles afresh (then
//   rewrites the cache) when anything differs.
// - NODE_DISABLE_COMPILE_CACHE=1 turns it off. Any failure to read or write the cache only costs
//   the compile.
"use strict";
const fs = require("node:fs");
const path = require("node:path");
const os = require("node:os");
const Module = require("node:module");

const bundle = path.join(__dirname, "rxctr-bundle.cjs");

function cacheDir() {
  if (process.env.RXCTR_CACHE_DIR) return process.env.RXCTR_CACHE_DIR;
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), ".cache");
  return path.join(base, "rxcontainerd");
}

function run() {
  if (process.env.NODE_DISABLE_COMPILE_CACHE) return require(bundle);
  return runWithCachedData();
}

/** The bundle compiled as a CommonJS module with V8's cachedData. */
function runWithCachedData() {
  const vm = require("node:vm");
  let source;
  let cacheFile;
  let cachedData;
  try {
    const st = fs.statSync(bundle);
    source = fs.readFileSync(bundle, "utf8");
    const key = `${st.size}-${Math.trunc(st.mtimeMs)}-${process.version}-${process.arch}`;
    cacheFile = path.join(cacheDir(), `rxctr-${key}.v8cache`);
    cachedData = fs.readFileSync(cacheFile);
  } catch {
    // first run, or no cache: compile and write it
  }
  if (source === undefined) return require(bundle);
  const script = new vm.Script(Module.wrap(source.replace(/^#!.*/, "")), {
    filename: bundle,
    cachedData,
    importModuleDynamically: vm.constants?.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  });
  if (cacheFile !== undefined && (cachedData === undefined || script.cachedDataRejected)) {
    // After the run, so that the functions compiled while running are in the cache too.
    process.once("exit", () => writeCache(cacheFile, script));
  }
  const mod = new Module(bundle, module);
  mod.filename = bundle;
  mod.paths = Module._nodeModulePaths(__dirname);
  mod.loaded = true;
  const req = (id) => mod.require(id);
  req.resolve = (id, o) => Module._resolveFilename(id, mod, false, o);
  return script.runInThisContext().call(mod.exports, mod.exports, req, mod, bundle, __dirname);
}

function writeCache(file, script) {
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, script.createCachedData(), { mode: 0o600 });
    fs.renameSync(tmp, file);
    // Caches of earlier builds or Node versions are dead weight.
    for (const f of fs.readdirSync(path.dirname(file))) {
      if (f.startsWith("rxctr-") && f.endsWith(".v8cache") && f !== path.basename(file)) {
        fs.rmSync(path.join(path.dirname(file), f), { force: true });
      }
    }
  } catch {
    // a read-only or missing home: run without a cache
  }
}

run();
