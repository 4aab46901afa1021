// Type-checks every code sample users read: each ```ts fence (and each inline `code`) under an
// @example tag in the TSDoc of src/**/*.ts, and each ```ts fence in README.md and docs/*.md.
//
// Each sample becomes one ES module under build/doc-samples/ (not build/examples/: tsc puts the
// compiled examples/ there, which the dashboard's test runs) that imports from the BUILT package
// (`rxcontainerd`, `rxcontainerd/registry`, `rxcontainerd/oci`, `rxcontainerd/tar`, `rxcontainerd/nest`,
// `rxcontainerd/testing`, resolved
// through package.json "exports", so run `npm run build` first) and then runs tsc over them all.
// What a sample uses but does not declare is supplied the way a reader would fill it in:
//   - a name the package exports (root first, then the subpaths) or rxjs exports is imported;
//   - a name from the small AMBIENT table below (`client`, `task`, `ref`, …) is declared with
//     `declare const` (its type is the one the surrounding docs mean).
// Samples keep their own imports; a name they import or declare is never supplied again.
//
// A Markdown sample may name values the page's prose introduced: an HTML comment right before its
// fence, `<!-- check-examples: declare const layerBytes: Uint8Array; -->`, adds them (unseen by
// readers). A sample that is a fragment on purpose is skipped with an explicit marker: in Markdown
// `<!-- check-examples: skip -->` right before the fence; in TSDoc the fence ```ts skip.
//
// Usage: node scripts/check-examples.mjs [--list] [--keep]   (exit 1 on any type error)
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { join, relative } from "node:path";
import ts from "typescript";

const root = new URL("..", import.meta.url).pathname;
const outDir = join(root, "build", "doc-samples");
const list = process.argv.includes("--list");

// Ambient variables samples may use without declaring them. Keep this honest and small: each is
// a value a reader of that doc already has in hand.
const AMBIENT = {
  // the objects most pages talk about
  client: "Containerd",
  container: "Container",
  task: "Task",
  proc: "Process",
  registry: "Registry",
  // identifiers and references
  id: "string",
  ref: "string",
  image: "string",
  repo: "string",
  digest: "string",
  chainId: "string",
  parentChainId: "string",
  leaseId: "string",
  // data and descriptors
  data$: "Observable<Uint8Array>",
  blob$: "Observable<Uint8Array>",
  layerBlobs$: "Observable<Uint8Array>[]",
  expected: "{ digest: string; size: number }",
  blob: "Uint8Array",
  bytes: "Uint8Array",
  buf: "Buffer",
  layer: "Descriptor",
  desc: "Descriptor",
  index: "ImageIndex",
  readable: "AsyncIterable<Buffer>",
  manifest: "ImageManifest",
  // input a program reads from a user
  username: "string",
  password: "string",
  commands$: "Observable<string>",
  keystrokes$: "Observable<string>",
  // spec options
  spec: "Spec",
  ctx: "SpecContext",
  file: "ImageConfigFile",
  passwd: "string",
  group: "string",
  passwdText: "string",
  groupText: "string",
  // an error caught from an Observable, and where output goes
  err: "ContainerdError",
  out: "NodeJS.WritableStream",
  signal: "AbortSignal",
};
// Node built-ins samples call without importing, and where a reader imports them from.
const NODE = {
  createHash: "node:crypto",
  createReadStream: "node:fs",
  createWriteStream: "node:fs",
  readFileSync: "node:fs",
  readFile: "node:fs/promises",
  pipeline: "node:stream/promises",
  Readable: "node:stream",
};
// Per-directory overrides: in the registry client's own docs `client` is a RegistryClient.
const AMBIENT_BY_DIR = {
  "src/observables/registry/": { client: "RegistryClient", reference: "ImageReference", descriptor: "Descriptor" },
  "src/observables/oci/digest.ts": { client: "RegistryClient" },
};

// ---- collect samples --------------------------------------------------------------------------

/** @typedef {{ file: string, line: number, code: string, skip: boolean, context?: string }} Sample */
/** @type {Sample[]} */
const samples = [];

function walk(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : [],
  );
}

const FENCE_OPEN = /^```(ts|typescript)\b(.*)$/;

// TSDoc: every /** … */ comment, its @example sections, their fences or inline code.
for (const path of walk(join(root, "src"))) {
  const file = relative(root, path);
  const text = readFileSync(path, "utf8");
  for (const m of text.matchAll(/\/\*\*[\s\S]*?\*\//g)) {
    const startLine = text.slice(0, m.index).split("\n").length;
    const lines = m[0].split("\n").map((l) => l.replace(/^\s*\/?\*\*?\/?\s?/, "").replace(/\s*\*\/$/, ""));
    for (let i = 0; i < lines.length; i++) {
      const at = lines[i].indexOf("@example");
      if (at < 0) continue;
      // The section runs to the next block tag at the start of a line (or the comment's end).
      let end = i + 1;
      while (end < lines.length && !/^@\w+/.test(lines[end])) end++;
      let fenced = false;
      for (let j = i; j < end; j++) {
        const open = lines[j].match(FENCE_OPEN);
        if (!open) continue;
        fenced = true;
        let k = j + 1;
        while (k < end && !lines[k].startsWith("```")) k++;
        samples.push({
          file,
          line: startLine + j + 1,
          code: lines.slice(j + 1, k).join("\n"),
          skip: /\bskip\b/.test(open[2]),
        });
        j = k;
      }
      if (!fenced) {
        // `@example \`code\`` on one line (or the line after).
        const rest = [lines[i].slice(at + "@example".length), ...lines.slice(i + 1, end)].join("\n");
        for (const c of rest.matchAll(/`([^`]+)`/g))
          samples.push({ file, line: startLine + i, code: c[1], skip: false });
      }
      i = end - 1;
    }
  }
}

// Markdown: every ```ts fence.
const markdown = [
  "README.md",
  ...readdirSync(join(root, "docs"))
    .filter((f) => f.endsWith(".md"))
    .map((f) => `docs/${f}`),
];
for (const file of markdown) {
  const lines = readFileSync(join(root, file), "utf8").split("\n");
  for (let i = 0; i < lines.length; i++) {
    const open = lines[i].match(FENCE_OPEN);
    if (!open) continue;
    let k = i + 1;
    while (k < lines.length && !lines[k].startsWith("```")) k++;
    const marker = (lines[i - 1] ?? "").match(/^<!--\s*check-examples:\s*(.*?)\s*-->$/)?.[1];
    const skip = marker === "skip" || /\bskip\b/.test(open[2]);
    samples.push({
      file,
      line: i + 2,
      code: lines.slice(i + 1, k).join("\n"),
      skip,
      ...(marker && !skip ? { context: marker } : {}),
    });
    i = k;
  }
}

// ---- what the package and rxjs export --------------------------------------------------------

// Every subpath of package.json "exports" (root first), with its ESM declaration file: a new
// subpath is picked up as soon as it is exported.
const pkgJson = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
const ENTRIES = Object.entries(pkgJson.exports)
  .filter(([, e]) => typeof e === "object" && typeof e.import?.types === "string")
  .map(([sub, e]) => [
    sub === "." ? pkgJson.name : `${pkgJson.name}/${sub.replace(/^\.\//, "")}`,
    e.import.types.replace(/^\.\//, ""),
  ]);
for (const [, dts] of ENTRIES) {
  if (!existsSync(join(root, dts))) {
    console.error(`check-examples: ${dts} is missing; run \`npm run build\` first`);
    process.exit(2);
  }
}
const baseOptions = {
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  target: ts.ScriptTarget.ES2022,
  lib: ["lib.es2022.d.ts", "lib.esnext.disposable.d.ts"],
  types: ["node"],
  strict: true,
  noEmit: true,
  skipLibCheck: true,
  allowImportingTsExtensions: false,
  noUnusedLocals: false,
  isolatedModules: true,
  experimentalDecorators: true, // Nest samples (docs/nest.md) use its decorators, as Nest apps do
};
/** name -> module it is imported from (first entry wins), and whether it is only a type */
const exported = new Map();
{
  const rxjsDts = join(root, "node_modules/rxjs/dist/types/index.d.ts");
  const files = [...ENTRIES.map(([, d]) => join(root, d)), rxjsDts];
  const program = ts.createProgram(files, baseOptions);
  const checker = program.getTypeChecker();
  for (const [spec, f] of [...ENTRIES.map(([s, d]) => [s, join(root, d)]), ["rxjs", rxjsDts]]) {
    const sf = program.getSourceFile(f);
    const sym = sf && checker.getSymbolAtLocation(sf);
    if (!sym) throw new Error(`no module symbol for ${f}`);
    for (const e of checker.getExportsOfModule(sym)) {
      if (exported.has(e.name)) continue;
      const target = e.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(e) : e;
      const typeOnly = !(target.flags & ts.SymbolFlags.Value);
      exported.set(e.name, { spec, typeOnly });
    }
  }
}

/** What a source module itself exports (for TSDoc samples of @internal helpers), from its build. */
const ownExports = new Map();
function exportsOf(file) {
  if (!file.startsWith("src/") || !file.endsWith(".ts")) return new Map();
  if (ownExports.has(file)) return ownExports.get(file);
  const dts = join(root, "dist/esm", file.replace(/\.ts$/, ".d.ts"));
  const names = new Map();
  if (existsSync(dts)) {
    const program = ts.createProgram([dts], baseOptions);
    const checker = program.getTypeChecker();
    const sym = checker.getSymbolAtLocation(program.getSourceFile(dts));
    const spec = relative(outDir, dts).replace(/\.d\.ts$/, ".js");
    for (const e of sym ? checker.getExportsOfModule(sym) : []) {
      const target = e.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(e) : e;
      names.set(e.name, { spec, typeOnly: !(target.flags & ts.SymbolFlags.Value) });
    }
  }
  ownExports.set(file, names);
  return names;
}

// ---- build one module per sample -------------------------------------------------------------

/** Names a sample declares or imports at its top level, and identifiers it reads. */
function scan(code) {
  const sf = ts.createSourceFile("s.ts", code, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const declared = new Set();
  const used = new Set();
  const bind = (name) => {
    if (!name) return;
    if (ts.isIdentifier(name)) declared.add(name.text);
    else if (ts.isObjectBindingPattern(name) || ts.isArrayBindingPattern(name)) {
      for (const el of name.elements) if (!ts.isOmittedExpression(el)) bind(el.name);
    }
  };
  const visit = (node) => {
    if (ts.isImportDeclaration(node) && node.importClause) {
      const c = node.importClause;
      if (c.name) declared.add(c.name.text);
      const nb = c.namedBindings;
      if (nb && ts.isNamespaceImport(nb)) declared.add(nb.name.text);
      if (nb && ts.isNamedImports(nb)) for (const el of nb.elements) declared.add(el.name.text);
      return;
    }
    if (ts.isVariableDeclaration(node) || ts.isParameter(node)) bind(node.name);
    if (
      (ts.isFunctionDeclaration(node) ||
        ts.isClassDeclaration(node) ||
        ts.isInterfaceDeclaration(node) ||
        ts.isTypeAliasDeclaration(node) ||
        ts.isEnumDeclaration(node)) &&
      node.name
    )
      declared.add(node.name.text);
    if (ts.isIdentifier(node)) {
      const p = node.parent;
      const isName =
        (ts.isPropertyAccessExpression(p) && p.name === node) ||
        (ts.isPropertyAssignment(p) && p.name === node) ||
        (ts.isPropertySignature(p) && p.name === node) ||
        (ts.isMethodDeclaration(p) && p.name === node) ||
        (ts.isQualifiedName(p) && p.right === node) ||
        (ts.isBindingElement(p) && p.propertyName === node) ||
        ts.isLabeledStatement(p);
      if (!isName) used.add(node.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  const syntax = sf.parseDiagnostics ?? [];
  return { declared, used, syntax };
}

rmSync(outDir, { recursive: true, force: true });
mkdirSync(outDir, { recursive: true });
const modules = [];
let skipped = 0;
samples.forEach((s, n) => {
  if (s.skip) {
    skipped++;
    return;
  }
  const { declared, used } = scan(`${s.context ?? ""}\n${s.code}`);
  const ambient = { ...AMBIENT, ...Object.entries(AMBIENT_BY_DIR).find(([dir]) => s.file.startsWith(dir))?.[1] };
  const imports = new Map();
  const declares = [];
  const own = exportsOf(s.file);
  const want = (name) => {
    if (declared.has(name) || imports.has(name)) return;
    const e = exported.get(name);
    if (own.has(name)) imports.set(name, own.get(name));
    else if (e && e.spec !== "rxjs") imports.set(name, e);
    else if (name in NODE) imports.set(name, { spec: NODE[name], typeOnly: false });
    else if (name in ambient) {
      declares.push(`declare const ${name}: ${ambient[name]};`);
      for (const t of ambient[name].match(/\b[A-Z]\w*/g) ?? [])
        if (!["NodeJS", "AbortSignal", "AsyncIterable", "Buffer"].includes(t)) want(t);
    } else if (e) imports.set(name, e);
  };
  for (const name of used) want(name);
  const bySpec = new Map();
  for (const [name, { spec, typeOnly }] of imports) {
    if (!bySpec.has(spec)) bySpec.set(spec, []);
    bySpec.get(spec).push(typeOnly ? `type ${name}` : name);
  }
  // The sample's own imports stay first (hoisted anyway); the preamble follows on ONE line so that
  // line numbers map back simply.
  const preamble = [
    ...[...bySpec].map(([spec, names]) => `import { ${names.join(", ")} } from "${spec}";`),
    ...declares,
    s.context ?? "",
  ].join(" ");
  const name = `${String(n).padStart(3, "0")}-${s.file.replace(/[/.]/g, "_")}-${s.line}.mts`;
  writeFileSync(join(outDir, name), `${preamble}\n${s.code}\nexport {};\n`);
  modules.push({ name, sample: s });
  if (list) console.log(`${s.file}:${s.line}  ${preamble}`);
});

// ---- type-check ---------------------------------------------------------------------------------

const program = ts.createProgram(
  modules.map((m) => join(outDir, m.name)),
  baseOptions,
);
const diagnostics = ts.getPreEmitDiagnostics(program);
const byName = new Map(modules.map((m) => [m.name, m.sample]));
const failed = new Set();
let errors = 0;
for (const d of diagnostics) {
  const message = ts.flattenDiagnosticMessageText(d.messageText, "\n");
  if (!d.file) {
    console.error(`error TS${d.code}: ${message}`);
    errors++;
    continue;
  }
  const base = relative(outDir, d.file.fileName);
  const s = byName.get(base);
  const { line, character } = d.file.getLineAndCharacterOfPosition(d.start ?? 0);
  if (!s) {
    console.error(`${relative(root, d.file.fileName)}:${line + 1}:${character + 1} error TS${d.code}: ${message}`);
    errors++;
    continue;
  }
  failed.add(s);
  errors++;
  const where = line === 0 ? `${s.file}:${s.line} (preamble)` : `${s.file}:${s.line + line - 1}:${character + 1}`;
  console.error(`${where} error TS${d.code}: ${message}`);
}
console.log(
  `check-examples: ${modules.length} samples checked (${skipped} skipped by marker), ${failed.size} failing, ${errors} errors`,
);
if (!process.argv.includes("--keep") && errors === 0) rmSync(outDir, { recursive: true, force: true });
process.exit(errors === 0 ? 0 : 1);
