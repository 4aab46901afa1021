/** Layering: generated -> services -> observables. errors is a leaf used by both upper layers. */
module.exports = {
  forbidden: [
    { name: "generated-is-the-bottom", severity: "error", from: { path: "^generated/" }, to: { path: "^src/" } },
    {
      name: "observables-reach-generated-through-services",
      severity: "error",
      comment: "the domain gets protocol types from src/services (protocol.ts, event-payloads.ts)",
      from: { path: "^src/observables/" },
      to: { path: "^generated/" },
    },
    {
      name: "services-below-observables",
      severity: "error",
      from: { path: "^src/services/" },
      to: { path: "^src/observables/" },
    },
    {
      name: "errors-are-a-leaf",
      severity: "error",
      from: { path: "^src/errors/" },
      to: { path: "^(src/(services|observables)|generated)/" },
    },
    {
      name: "only-services-touch-grpc",
      severity: "error",
      from: { path: "^src/(observables|errors)/" },
      to: { path: "node_modules/@grpc/" },
    },
    {
      name: "cli-uses-the-public-api-only",
      severity: "error",
      comment: "rxctr (src/cli) is a user of the package: it imports the public barrels, nothing internal",
      from: { path: "^src/cli/" },
      to: { path: "^(src/|generated/)", pathNot: "^src/(cli/|index\\.ts$|registry\\.ts$|oci\\.ts$|tar\\.ts$)" },
    },
    {
      name: "cli-is-a-leaf",
      severity: "error",
      comment: "the library never depends on its CLI",
      from: { path: "^(src/|generated/)", pathNot: "^src/cli/" },
      to: { path: "^src/cli/" },
    },
    {
      name: "nest-stays-in-rxcontainerd-nest",
      severity: "error",
      comment:
        "importing rxcontainerd (or another subpath) must never load Nest: only src/nest.ts and src/nest/ touch it",
      from: { path: "^src/", pathNot: "^src/(nest\\.ts|nest/)" },
      to: { path: ["node_modules/(@nestjs|reflect-metadata)/", "^src/(nest\\.ts|nest/)"] },
    },
    { name: "no-circular", severity: "error", from: {}, to: { circular: true } },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
  },
};
