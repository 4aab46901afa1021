// Builds the rxctr bin (package.json "bin"): the compiled CLI (dist/esm/src/cli) and everything
// it imports (the library, rxjs, grpc-js, long, @bufbuild/protobuf) bundled into one CommonJS file,
// dist/cli/rxctr-bundle.cjs, started by the small loader dist/cli/rxctr.cjs (scripts/rxctr-loader.cjs).
//
// Why a bundle: loading the library as ~600 module files cost about 0.35 s of CPU at every start,
// mostly Node's module loader (resolving, stat-ing, reading, wrapping each file); one file and
// rxjs's ES build (tree-shaken) remove that. The loader adds V8's code cache, so later starts skip
// compiling the bundle. docs/benchmarks.md ("rxctr startup") has the numbers.
import { build } from "esbuild";
import { chmodSync, copyFileSync, mkdirSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, "dist", "cli");
const require = createRequire(join(root, "package.json"));

// rxjs's package.json sends the "node" condition to its CommonJS build, which cannot be
// tree-shaken and costs a copy of every export at load; take its ES2015 build instead.
const rxjsEsm = join(dirname(require.resolve("rxjs/package.json")), "dist", "esm");
const rxjsToEsm = {
  name: "rxjs-esm",
  setup(b) {
    b.onResolve({ filter: /^rxjs(\/.*)?$/ }, (args) => {
      const sub = args.path.slice("rxjs".length);
      if (sub === "") return { path: join(rxjsEsm, "index.js") };
      if (sub === "/operators") return { path: join(rxjsEsm, "operators", "index.js") };
      return undefined;
    });
  },
};

mkdirSync(out, { recursive: true });
const result = await build({
  entryPoints: [join(root, "dist", "esm", "src", "cli", "main.js")],
  outfile: join(out, "rxctr-bundle.cjs"),
  bundle: true,
  platform: "node",
  format: "cjs",
  target: "node20",
  // Smaller to read and parse; names are kept so that `--debug` stack traces stay readable.
  minifyWhitespace: true,
  minifySyntax: true,
  legalComments: "eof",
  // The CLI reads import.meta.url only to find its package.json (two levels up from dist/cli).
  define: { "import.meta.url": "__rxctrUrl" },
  banner: { js: 'var __rxctrUrl = require("node:url").pathToFileURL(__filename).href;' },
  plugins: [rxjsToEsm],
  // grpc-js requires @grpc/proto-loader (and protobufjs) only to serve channelz, which a client
  // never does; left out of the bundle, it would still resolve from grpc-js's dependencies.
  external: ["@grpc/proto-loader"],
  logLevel: "warning",
});
if (result.errors.length > 0) process.exit(1);
copyFileSync(join(root, "scripts", "rxctr-loader.cjs"), join(out, "rxctr.cjs"));
chmodSync(join(out, "rxctr.cjs"), 0o755);
const kib = (f) => (statSync(join(out, f)).size / 1024).toFixed(0);
console.log(`build-cli: dist/cli/rxctr.cjs (loader) + rxctr-bundle.cjs (${kib("rxctr-bundle.cjs")} KiB)`);
