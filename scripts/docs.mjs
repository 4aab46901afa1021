// Builds the TypeDoc API reference into api-docs/ (git-ignored) and fails on any TypeDoc warning.
//
// Entry points: every subpath of package.json "exports" (".", "./registry", "./oci", "./tar", …),
// mapped from its dist/esm/src/<name>.d.ts back to src/<name>.ts, so a new subpath is documented
// (and checked) as soon as it is exported. Options live in typedoc.json.
//
// Every warning fails, with two exceptions. TypeDoc's "git remote … was not valid" (a clone without
// a GitHub remote cannot link sources) is printed, not failed. And the raw API (`client.services`)
// takes and returns the generated protobuf messages of generated/, not exported one by one; TypeDoc's
// "X, defined in …/generated/…, is referenced by … but not included in the documentation" for
// those is counted, not failed. A warning about anything in src/ (a broken {@link}, an exported
// symbol whose type is not exported, bad TSDoc) fails the build.
//
// Usage: node scripts/docs.mjs [extra typedoc args]
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
const entryPoints = Object.values(pkg.exports)
  .map((e) => (typeof e === "object" ? e.import?.types : undefined))
  .filter((p) => typeof p === "string")
  .map((p) => p.replace(/^\.\/dist\/esm\//, "").replace(/\.d\.ts$/, ".ts"));
if (entryPoints.length === 0) throw new Error("no entry points found in package.json exports");

const args = [
  join(root, "node_modules", "typedoc", "bin", "typedoc"),
  ...entryPoints.flatMap((e) => ["--entryPoints", e]),
  "--treatWarningsAsErrors",
  "false",
  "--treatValidationWarningsAsErrors",
  "false",
  ...process.argv.slice(2),
];
const run = spawnSync(process.execPath, args, { cwd: root, encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });
const output = `${run.stdout}${run.stderr}`.replace(new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, "g"), "");
const lines = output.split("\n").filter((l) => l.trim() !== "");
const generatedRef =
  /^\[warning\] \S+, defined in \S*\/generated\/\S+, is referenced by .* but not included in the documentation$/;
const summary = /^\[(warning|info)\] Found \d+ errors and \d+ warnings$/;
// A clone without a GitHub remote (CI's clone, a tarball) cannot have source links: not a docs defect.
const noRemote = /^\[warning\] The provided git remote "[^"]*" was not valid\. Source links will be broken$/;
const allowed = lines.filter((l) => generatedRef.test(l));
const problems = lines.filter(
  (l) => /^\[(warning|error)\]/.test(l) && !generatedRef.test(l) && !summary.test(l) && !noRemote.test(l),
);
for (const l of lines) if (!generatedRef.test(l)) console.log(l);
console.log(`docs: entry points ${entryPoints.join(", ")}`);
console.log(
  `docs: ${allowed.length} generated protobuf message type(s) of the raw API referenced, not documented one by one`,
);
if (run.status !== 0 || problems.length > 0) {
  console.error(`docs: FAILED (${problems.length} warning(s)/error(s) above, typedoc exit ${run.status})`);
  process.exit(1);
}
console.log("docs: API reference in api-docs/index.html, no warnings");
