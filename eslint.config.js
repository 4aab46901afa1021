// @ts-check
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["generated/**", "dist/**", "build/**", "api-docs/**", "node_modules/**", ".dbg/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ["**/*.ts"],
    rules: {
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "no-restricted-syntax": [
        "error",
        { selector: "ExportAllDeclaration", message: "explicit exports only (no export *)" },
      ],
    },
  },
  {
    // No focused tests: `.only` would silently skip the rest of a file in CI.
    files: ["test/**/*.ts", "bench/**/*.ts"],
    rules: {
      "no-restricted-syntax": [
        "error",
        { selector: "ExportAllDeclaration", message: "explicit exports only (no export *)" },
        {
          selector: "MemberExpression[property.name='only'][object.name=/^(test|it|describe|suite)$/]",
          message: "no .only in tests",
        },
        {
          selector:
            "CallExpression[callee.name=/^(test|it|describe|suite)$/] > ObjectExpression > Property[key.name='only']",
          message: "no { only: true } in tests",
        },
      ],
    },
  },
  {
    files: ["src/observables/**/*.ts", "src/errors/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        { patterns: [{ group: ["@grpc/*"], message: "only src/services touches grpc-js" }] },
      ],
    },
  },
  {
    files: ["**/*.{js,mjs,cjs}"],
    languageOptions: {
      globals: { process: "readonly", console: "readonly", URL: "readonly", module: "writable", require: "readonly" },
    },
  },
  {
    // rxctr's bin: CommonJS, so that it can hand the bundle to vm.Script with its code cache.
    files: ["scripts/rxctr-loader.cjs"],
    languageOptions: { sourceType: "commonjs", globals: { __dirname: "readonly" } },
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
  {
    // The dashboard's page script runs in the browser.
    files: ["examples/dashboard/public/**/*.js"],
    languageOptions: {
      sourceType: "module",
      globals: { document: "readonly", EventSource: "readonly", fetch: "readonly", console: "readonly" },
    },
  },
);
