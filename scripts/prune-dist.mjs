// Trims the published build. The package ships src/ so that the declaration maps of dist/*/src
// (../../../src/*.ts) resolve and go-to-definition lands in real code. generated/ (ts-proto output)
// is not shipped as .ts: its .d.ts keep no declaration maps and no sourceMappingURL lines naming them.
// (JavaScript source maps are off in tsconfig.esm/cjs.json: tsc's ES2022 output reads like the source.)
import { chmodSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const root = new URL("../dist/", import.meta.url).pathname;
let removed = 0;
for (const format of ["esm", "cjs"]) {
  const dir = join(root, format, "generated");
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = join(entry.parentPath, entry.name);
    if (file.endsWith(".map")) {
      rmSync(file);
      removed++;
    } else if (file.endsWith(".js") || file.endsWith(".d.ts")) {
      const text = readFileSync(file, "utf8");
      const stripped = text.replace(/\n\/\/# sourceMappingURL=\S+\s*$/, "\n");
      if (stripped !== text) writeFileSync(file, stripped);
    }
  }
}
console.log(`prune-dist: removed ${removed} declaration maps of generated/`);

// The compiled CLI (ESM only: tsconfig.cjs.json leaves src/cli out) keeps its shebang from the
// source and stays runnable from dist/. The package's bin is its bundle, dist/cli/rxctr.cjs
// (scripts/build-cli.mjs).
chmodSync(join(root, "esm", "src", "cli", "main.js"), 0o755);
console.log("prune-dist: dist/esm/src/cli/main.js is executable");
