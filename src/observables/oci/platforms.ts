import { endianness } from "node:os";
import { InvalidArgumentError } from "../../errors/containerd-error.js";
import type { Descriptor, Platform } from "./media-types.js";

/** What {@link hostPlatform} reads from the running process; every field defaults to the current one. */
export interface HostInfo {
  /** `process.platform`: `linux`, `darwin`, `win32`, … */
  readonly platform?: string;
  /** `process.arch`: `x64`, `arm64`, `arm`, `ia32`, … */
  readonly arch?: string;
  /** The ARM architecture version Node was built for (`process.config.variables.arm_version`, e.g. `"7"`). */
  readonly armVersion?: string;
  /** `os.endianness()`, which tells `ppc64le` from `ppc64`. */
  readonly endianness?: "BE" | "LE";
}

const NODE_ARCH_TO_OCI: Readonly<Record<string, string>> = {
  x64: "amd64",
  arm64: "arm64",
  arm: "arm",
  ia32: "386",
  s390x: "s390x",
  riscv64: "riscv64",
  loong64: "loong64",
  mips: "mips",
  mipsel: "mipsle",
  ppc: "ppc",
};

function processArmVersion(): string | undefined {
  const v = (process.config.variables as Readonly<Record<string, unknown>>)["arm_version"];
  return typeof v === "string" || typeof v === "number" ? String(v) : undefined;
}

/**
 * The OCI platform of the machine this process runs on, like containerd's `platforms.DefaultSpec`:
 * `process.arch` mapped to GOARCH names (`x64` → `amd64`, `ia32` → `386`, `arm64` → `arm64`,
 * `arm` → `arm` with variant `v<arm_version>` of the Node build, `v7` when unknown; `ppc64` →
 * `ppc64le` on a little-endian host), normalized. The OS is `process.platform` (`win32` →
 * `windows`), except that macOS maps to `linux`: containers there run in a Linux VM (containerd's
 * darwin default also matches linux images).
 *
 * @example
 * ```ts
 * hostPlatform(); // { os: "linux", architecture: "amd64" } on an x86-64 Linux host
 * hostPlatform({ platform: "linux", arch: "arm", armVersion: "6" }); // { os: "linux", architecture: "arm", variant: "v6" }
 * ```
 */
export function hostPlatform(host: HostInfo = {}): Platform {
  const nodePlatform = host.platform ?? process.platform;
  const nodeArch = host.arch ?? process.arch;
  const os = nodePlatform === "win32" ? "windows" : nodePlatform === "darwin" ? "linux" : nodePlatform;
  let architecture = NODE_ARCH_TO_OCI[nodeArch] ?? nodeArch;
  if (nodeArch === "ppc64") architecture = (host.endianness ?? endianness()) === "LE" ? "ppc64le" : "ppc64";
  const armVersion =
    nodeArch === "arm" ? (host.armVersion ?? (host.arch === undefined ? processArmVersion() : undefined)) : undefined;
  return normalizePlatform({
    os,
    architecture,
    ...(armVersion ? { variant: `v${armVersion.replace(/^v/, "")}` } : {}),
  });
}

/**
 * The platform chosen when none is given: the host's ({@link hostPlatform}), as containerd's
 * `platforms.Default()`. Pulls, unpacks, imports, exports and container creation all use it.
 */
export const DEFAULT_PLATFORM: Platform = hostPlatform();

/**
 * Normalizes a platform like containerd's `platforms.Normalize`: lower case, `x86_64` → `amd64`,
 * `aarch64` → `arm64` (variant `v8` dropped), `armhf` → `arm/v7`, `arm` → `arm/v7`, `i386` → `386`,
 * `darwin` → `darwin`, `macos` → `darwin`.
 */
export function normalizePlatform(p: Platform): Platform {
  let os = p.os.toLowerCase();
  if (os === "macos") os = "darwin";
  let arch = p.architecture.toLowerCase();
  let variant = (p.variant ?? "").toLowerCase();
  switch (arch) {
    case "i386":
      arch = "386";
      variant = "";
      break;
    case "x86_64":
    case "x86-64":
    case "amd64":
      arch = "amd64";
      if (variant === "v1") variant = "";
      break;
    case "aarch64":
    case "arm64":
      arch = "arm64";
      if (variant === "8" || variant === "v8") variant = "";
      break;
    case "armhf":
      arch = "arm";
      variant = "v7";
      break;
    case "armel":
      arch = "arm";
      variant = "v6";
      break;
    case "arm":
      if (variant === "" || variant === "7") variant = "v7";
      else if (["5", "6", "8"].includes(variant)) variant = `v${variant}`;
      break;
  }
  return variant === "" ? { os, architecture: arch } : { os, architecture: arch, variant };
}

/**
 * Parses `os/arch[/variant]` (or `arch`, meaning linux) into a normalized platform. Throws
 * {@link InvalidArgumentError} on anything else.
 *
 * @example
 * ```ts
 * parsePlatform("linux/arm64/v8"); // { os: "linux", architecture: "arm64" }
 * ```
 */
export function parsePlatform(spec: string): Platform {
  const parts = spec.split("/");
  if (parts.length > 3 || parts.some((x) => !/^[A-Za-z0-9_.-]+$/.test(x))) {
    throw new InvalidArgumentError(`invalid platform ${JSON.stringify(spec)}: want os/arch[/variant]`);
  }
  const [a = "", b, c] = parts;
  return normalizePlatform(
    b === undefined ? { os: "linux", architecture: a } : { os: a, architecture: b, ...(c ? { variant: c } : {}) },
  );
}

/** `os/arch[/variant]`. */
export function formatPlatform(p: Platform): string {
  return [p.os, p.architecture, ...(p.variant ? [p.variant] : [])].join("/");
}

/**
 * The platforms a host of `platform` can run, best first (containerd's `platformVector`):
 * `arm/v7` also runs v6 and v5, `arm64` runs `arm/v8`…`v5`, `amd64/v3` runs v2 and v1, and
 * `amd64` runs `386`.
 */
export function compatiblePlatforms(platform: Platform): Platform[] {
  const p = normalizePlatform(platform);
  const out: Platform[] = [p];
  const lower = (variant: string | undefined, min: number, arch: string): void => {
    const n = Number.parseInt((variant ?? "").replace(/^v/, ""), 10);
    if (Number.isNaN(n)) return;
    for (let v = n - 1; v >= min; v--) out.push({ os: p.os, architecture: arch, variant: `v${v}` });
  };
  switch (p.architecture) {
    case "amd64":
      lower(p.variant, 2, "amd64");
      if (p.variant && p.variant !== "v1" && Number.parseInt(p.variant.slice(1), 10) > 1)
        out.push({ os: p.os, architecture: "amd64" });
      out.push({ os: p.os, architecture: "386" });
      break;
    case "arm":
      lower(p.variant, 5, "arm");
      break;
    case "arm64": {
      const armV = p.variant ?? "v8";
      out.push({ os: p.os, architecture: "arm", variant: armV });
      lower(armV, 5, "arm");
      break;
    }
  }
  return out;
}

function samePlatform(a: Platform, b: Platform): boolean {
  return a.os === b.os && a.architecture === b.architecture && (a.variant ?? "") === (b.variant ?? "");
}

/**
 * The rank of `candidate` for a host of `wanted` (0 = exact match, higher = worse), or -1 when it
 * cannot run there. containerd's `platforms.Only(wanted)` as a number.
 */
export function platformRank(wanted: Platform, candidate: Platform): number {
  const c = normalizePlatform(candidate);
  return compatiblePlatforms(wanted).findIndex((p) => samePlatform(p, c));
}

/**
 * Whether an image for `candidate` runs on a host of `wanted`: containerd's
 * `platforms.Only(wanted).Match(candidate)` (both normalized; `arm/v7` also takes v6 and v5,
 * `arm64` takes `arm/v8`…`v5`, `amd64` takes `386`). An index entry without a platform
 * (`undefined`) matches, as in containerd's platform filter. The one matcher behind pull, unpack,
 * import, export and container creation.
 *
 * @example
 * ```ts
 * platformMatches({ os: "linux", architecture: "arm", variant: "v6" }, parsePlatform("linux/arm/v7")); // true
 * platformMatches({ os: "linux", architecture: "arm", variant: "v7" }, parsePlatform("linux/arm/v6")); // false
 * ```
 */
export function platformMatches(candidate: Platform | undefined, wanted: Platform = DEFAULT_PLATFORM): boolean {
  return candidate === undefined || platformRank(wanted, candidate) >= 0;
}

/**
 * Picks the best manifest for `platform` (default: the host's) from an index's `manifests`:
 * containerd's `images.Manifest` with `platforms.Only(platform)` — every compatible entry,
 * ordered best first ({@link compatiblePlatforms}), the first of equally good entries winning.
 * So `linux/arm/v7` from an index listing v5, v6, v7 takes v7, and from one listing v5, v6
 * takes v6. Entries without a platform are skipped. Returns undefined when none matches. Pull
 * and unpack both choose through this function, so they always agree.
 *
 * @example
 * ```ts
 * selectManifest(index.manifests, parsePlatform("linux/arm/v7"));
 * ```
 */
export function selectManifest(
  manifests: readonly Descriptor[],
  platform: Platform = DEFAULT_PLATFORM,
): Descriptor | undefined {
  let best: Descriptor | undefined;
  let bestRank = Infinity;
  for (const m of manifests) {
    if (!m.platform) continue;
    const r = platformRank(platform, m.platform);
    if (r >= 0 && r < bestRank) {
      best = m;
      bestRank = r;
    }
  }
  return best;
}
