// Small OCI layouts with real tar layers, for the platform, concurrency and zstd tests: written
// with `tar` and `zstd` (independent tools) and sha256, never with this library.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { gzipSync } from "node:zlib";
import { sha256 } from "./registry.js";

/** A tar (made by GNU tar, owner root) of `files` (path -> contents). */
export function tarOf(files: Readonly<Record<string, string | Buffer>>): Buffer {
  const dir = mkdtempSync(join(tmpdir(), "rxc-tar-"));
  try {
    for (const [name, body] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, name)), { recursive: true });
      writeFileSync(join(dir, name), body);
    }
    return execFileSync(
      "tar",
      ["-C", dir, "--owner=0", "--group=0", "--sort=name", "--mtime=@0", "-cf", "-", ...Object.keys(files)],
      { maxBuffer: 1 << 30 },
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export type Compression = "none" | "gzip" | "zstd";

const LAYER_TYPES: Record<Compression, string> = {
  none: "application/vnd.oci.image.layer.v1.tar",
  gzip: "application/vnd.oci.image.layer.v1.tar+gzip",
  zstd: "application/vnd.oci.image.layer.v1.tar+zstd",
};

/** One image of a layout: its layers' files, their compression, the config's platform. */
export interface LayoutImage {
  readonly platform: { readonly os: string; readonly architecture: string; readonly variant?: string };
  readonly layers: readonly Readonly<Record<string, string | Buffer>>[] | readonly Buffer[];
  readonly compression?: Compression;
  /** Extra config fields (e.g. `{ config: { Env: [...] } }`) to tell images apart. */
  readonly config?: Readonly<Record<string, unknown>>;
}

/** What {@link writeLayout} wrote: digests per image (in order) and of the root. */
export interface Layout {
  readonly root: string;
  readonly images: readonly {
    readonly manifest: string;
    readonly config: string;
    readonly layers: readonly string[];
  }[];
}

/**
 * Writes an OCI layout at `dir`: one manifest per image; with `index`, the root (`latest`) is an
 * index listing them in the given order with their platforms, else the root is the one manifest.
 * Layers given as Buffers are used as tar bytes as they are (to share one blob between images).
 */
export function writeLayout(dir: string, images: readonly LayoutImage[], options: { index: boolean }): Layout {
  const blobs = join(dir, "blobs", "sha256");
  mkdirSync(blobs, { recursive: true });
  const put = (b: Buffer): { digest: string; size: number } => {
    const digest = sha256(b);
    writeFileSync(join(blobs, digest.slice(7)), b);
    return { digest, size: b.length };
  };
  const out: { manifest: string; config: string; layers: string[] }[] = [];
  const descs = images.map((img) => {
    const compression = img.compression ?? "gzip";
    const layers = img.layers.map((l) => {
      const tar = Buffer.isBuffer(l) ? l : tarOf(l as Record<string, string | Buffer>);
      const blob =
        compression === "gzip"
          ? gzipSync(tar)
          : compression === "zstd"
            ? execFileSync("zstd", ["-q", "-c"], { input: tar, maxBuffer: 1 << 30 })
            : tar;
      return { diffId: sha256(tar), desc: { mediaType: LAYER_TYPES[compression], ...put(blob) } };
    });
    const config = put(
      Buffer.from(
        JSON.stringify({
          ...img.platform,
          ...img.config,
          rootfs: { type: "layers", diff_ids: layers.map((l) => l.diffId) },
        }),
      ),
    );
    const manifest = put(
      Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: "application/vnd.oci.image.manifest.v1+json",
          config: { mediaType: "application/vnd.oci.image.config.v1+json", ...config },
          layers: layers.map((l) => l.desc),
        }),
      ),
    );
    out.push({ manifest: manifest.digest, config: config.digest, layers: layers.map((l) => l.desc.digest) });
    return { mediaType: "application/vnd.oci.image.manifest.v1+json", ...manifest, platform: img.platform };
  });
  let root: { mediaType: string; digest: string; size: number };
  if (options.index) {
    root = {
      mediaType: "application/vnd.oci.image.index.v1+json",
      ...put(
        Buffer.from(
          JSON.stringify({ schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json", manifests: descs }),
        ),
      ),
    };
  } else {
    const only = descs[0];
    if (!only || descs.length !== 1) throw new Error("a layout without index has exactly one image");
    root = { mediaType: only.mediaType, digest: only.digest, size: only.size };
  }
  writeFileSync(join(dir, "oci-layout"), JSON.stringify({ imageLayoutVersion: "1.0.0" }));
  writeFileSync(
    join(dir, "index.json"),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [{ ...root, annotations: { "org.opencontainers.image.ref.name": "latest" } }],
    }),
  );
  return { root: root.digest, images: out };
}

/** The layout at `dir` as an OCI archive (a tar of oci-layout, index.json and blobs/). */
export function layoutArchive(dir: string): Buffer {
  return execFileSync("tar", ["-C", dir, "--owner=0", "--group=0", "-cf", "-", "oci-layout", "index.json", "blobs"], {
    maxBuffer: 1 << 30,
  });
}
