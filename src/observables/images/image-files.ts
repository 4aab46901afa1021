import { lastValueFrom, map } from "rxjs";
import type { CallOptions } from "../../services/call-options.js";
import type { Services } from "../../services/services.js";
import type { ResolvedImage } from "./image-reader.js";
import { resolveLayerFiles } from "./layer-files.js";
import { extractTarFiles, type LayerCompression, type TarLayerFiles } from "../tar/tar-files.js";
import { NotImplementedError } from "../../errors/containerd-error.js";
import { SizedLru } from "./sized-lru.js";

/**
 * A layer's compression from its media type: `…tar+gzip` / `…tar.gzip` → gzip, `…tar+zstd` →
 * zstd, `…tar` → none; NotImplementedError for anything else (e.g. encrypted layers).
 * @internal
 */
export function layerCompression(mediaType: string): LayerCompression {
  if (/[+.]gzip$/.test(mediaType)) return "gzip";
  if (mediaType.endsWith("+zstd")) return "zstd";
  if (/[./]tar$/.test(mediaType)) return "none";
  throw new NotImplementedError(`cannot read files from a layer of media type ${JSON.stringify(mediaType)}`);
}

/**
 * Files already read out of images' layers, by the top layer's chain ID (which names the layers'
 * uncompressed contents, so the files never change) and the paths asked for. Least recently used
 * out first, at most `maxEntries` results and `maxBytes` of file bytes.
 * @internal
 */
export class ImageFilesCache {
  private readonly lru: SizedLru<ReadonlyMap<string, Buffer>>;

  constructor(maxEntries = 32, maxBytes = 1 << 20) {
    this.lru = new SizedLru<ReadonlyMap<string, Buffer>>(maxEntries, maxBytes, (files) => {
      let n = 0;
      for (const b of files.values()) n += b.length;
      return n;
    });
  }

  /** A copy of the files read before from the image with this chain ID, for these paths. */
  get(chainId: string, wanted: readonly string[]): Map<string, Buffer> | undefined {
    const files = this.lru.get(`${chainId} ${wanted.join(" ")}`);
    return files && new Map(files);
  }

  set(chainId: string, wanted: readonly string[], files: ReadonlyMap<string, Buffer>): void {
    if (chainId.startsWith("sha256:")) this.lru.set(`${chainId} ${wanted.join(" ")}`, new Map(files));
  }

  get size(): number {
    return this.lru.size;
  }
}

/**
 * Reads a few small files (e.g. `etc/passwd`, `etc/group`) out of an image's layers through the
 * content store — streamed, decompressed (gzip; zstd where Node has it, else
 * NotImplementedError) and tar-parsed in this process, never mounted on the client host. Layers
 * are read top-first and reading stops as soon as every file is settled. With a `cache`, an
 * image whose files were read before costs no RPC.
 * @internal
 */
export async function readImageFiles(
  services: Services,
  image: ResolvedImage,
  wanted: readonly string[],
  options?: CallOptions,
  cache?: ImageFilesCache,
): Promise<Map<string, Buffer>> {
  const cached = cache?.get(image.chainId, wanted);
  if (cached) return cached;
  const files = await readLayers(services, image, wanted, options);
  cache?.set(image.chainId, wanted, files);
  return files;
}

async function readLayers(
  services: Services,
  image: ResolvedImage,
  wanted: readonly string[],
  options?: CallOptions,
): Promise<Map<string, Buffer>> {
  const layers: TarLayerFiles[] = [];
  for (const layer of [...image.layers].reverse()) {
    const compression = layerCompression(layer.mediaType);
    const chunks = services.content.read$({ digest: layer.digest }, options).pipe(map((r) => r.data));
    layers.push(await lastValueFrom(extractTarFiles(chunks, wanted, { compression })));
    const found = resolveLayerFiles(layers, wanted);
    if (wanted.every((w) => found.has(w))) return found;
  }
  return resolveLayerFiles(layers, wanted);
}
