// Local registries for the registry tests: scripts/registry (Debian's docker-registry) seeded with
// skopeo, and helpers to build test images and ask skopeo (an independent client) about them.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { startTokenProxy, type TokenProxy } from "./token-proxy.js";

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const script = join(repoRoot, "scripts", "registry");

/** Starts a registry; returns `127.0.0.1:<port>`. */
export function registryUp(options: { htpasswd?: string } = {}): string {
  const args = options.htpasswd ? ["--htpasswd", options.htpasswd] : [];
  return execFileSync("bash", [script, "up", ...args], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  }).trim();
}

/** Stops a registry started by {@link registryUp}. */
export function registryDown(address: string): void {
  execFileSync("bash", [script, "down", address], { stdio: "inherit" });
}

/** `skopeo copy SOURCE docker://ADDRESS/TARGET` through scripts/registry seed. */
export function registrySeed(
  address: string,
  source: string,
  target: string,
  options: { creds?: string; all?: boolean } = {},
): void {
  const extra = [...(options.creds ? ["--creds", options.creds] : []), ...(options.all ? ["--all"] : [])];
  execFileSync("bash", [script, "seed", address, source, target, ...extra], { stdio: "inherit" });
}

/** Runs skopeo and returns its stdout. */
export function skopeo(...args: string[]): string {
  return execFileSync("skopeo", ["--insecure-policy", ...args], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
    maxBuffer: 64 << 20,
  });
}

/** Builds the lab's busybox OCI archive into `dir`; returns its path. */
export function buildBusybox(dir: string): string {
  execFileSync("bash", [join(repoRoot, "scripts", "build-image.sh"), dir, "docker.io/library/busybox:latest"], {
    stdio: "inherit",
  });
  return join(dir, "busybox-oci.tar");
}

export const sha256 = (b: Uint8Array | string): string => `sha256:${createHash("sha256").update(b).digest("hex")}`;

/** The platforms of {@link writeMultiArchLayout}'s index, and their manifest digests. */
export interface MultiArch {
  readonly indexDigest: string;
  readonly manifests: Readonly<Record<string, string>>;
}

/**
 * Writes an OCI layout at `dir` whose `latest` is an index of tiny images for linux/amd64,
 * linux/arm64/v8, linux/arm/v7 and linux/arm/v6 (seed it with `oci:<dir>:latest` and `--all`).
 */
export function writeMultiArchLayout(dir: string): MultiArch {
  const blobs = join(dir, "blobs", "sha256");
  mkdirSync(blobs, { recursive: true });
  const put = (data: Buffer | string): { digest: string; size: number } => {
    const b = Buffer.from(data);
    const digest = sha256(b);
    writeFileSync(join(blobs, digest.slice(7)), b);
    return { digest, size: b.length };
  };
  const manifests: Record<string, string> = {};
  const entries = [
    ["linux", "amd64", undefined],
    ["linux", "arm64", "v8"],
    ["linux", "arm", "v7"],
    ["linux", "arm", "v6"],
  ] as const;
  const descs = entries.map(([os, architecture, variant]) => {
    const raw = Buffer.from(`layer for ${os}/${architecture}/${variant ?? ""}\n`);
    const layer = put(gzipSync(raw));
    const config = put(
      JSON.stringify({
        architecture,
        os,
        ...(variant ? { variant } : {}),
        rootfs: { type: "layers", diff_ids: [sha256(raw)] },
      }),
    );
    const manifest = put(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: "application/vnd.oci.image.manifest.v1+json",
        config: { mediaType: "application/vnd.oci.image.config.v1+json", ...config },
        layers: [{ mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", ...layer }],
      }),
    );
    const platform = { architecture, os, ...(variant ? { variant } : {}) };
    manifests[[os, architecture, variant].filter(Boolean).join("/")] = manifest.digest;
    return { mediaType: "application/vnd.oci.image.manifest.v1+json", ...manifest, platform };
  });
  const index = put(
    JSON.stringify({ schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json", manifests: descs }),
  );
  writeFileSync(join(dir, "oci-layout"), JSON.stringify({ imageLayoutVersion: "1.0.0" }));
  writeFileSync(
    join(dir, "index.json"),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [
        {
          mediaType: "application/vnd.oci.image.index.v1+json",
          ...index,
          annotations: { "org.opencontainers.image.ref.name": "latest" },
        },
      ],
    }),
  );
  return { indexDigest: index.digest, manifests };
}

/** Two seeded registries, a Bearer-token front and a temp dir: what the registry and pull tests start. */
export interface RegistryLab {
  /** Temp dir (removed by `down`); `archive` is the busybox OCI archive in it. */
  readonly tmp: string;
  readonly archive: string;
  /** Anonymous registry: `library/busybox:latest` and `multi:latest` (4-platform index). */
  readonly anon: string;
  /** htpasswd registry: `busybox:latest`. */
  readonly basic: string;
  readonly multi: MultiArch;
  /** Bearer-token front of `anon`. */
  readonly proxy: TokenProxy;
  down(): Promise<void>;
}

/** Starts a {@link RegistryLab}; `basicUser:basicPass` guards `basic`, `proxyUsers` get tokens from the proxy. */
export async function registryLab(
  prefix: string,
  basicUser: string,
  basicPass: string,
  proxyUsers: Record<string, string>,
): Promise<RegistryLab> {
  const tmp = mkdtempSync(join(tmpdir(), `${prefix}-`));
  const started: string[] = [];
  try {
    const archive = buildBusybox(join(tmp, "image"));
    const anon = registryUp();
    started.push(anon);
    const basic = registryUp({ htpasswd: `${basicUser}:${basicPass}` });
    started.push(basic);
    registrySeed(anon, archive, "library/busybox:latest");
    registrySeed(basic, archive, "busybox:latest", { creds: `${basicUser}:${basicPass}` });
    const multi = writeMultiArchLayout(join(tmp, "multi"));
    registrySeed(anon, `oci:${join(tmp, "multi")}:latest`, "multi:latest", { all: true });
    const proxy = await startTokenProxy({ upstream: anon, users: proxyUsers });
    return {
      tmp,
      archive,
      anon,
      basic,
      multi,
      proxy,
      down: async () => {
        await proxy.close();
        for (const r of started) registryDown(r);
        rmSync(tmp, { recursive: true, force: true });
      },
    };
  } catch (e) {
    for (const r of started) registryDown(r);
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
}
