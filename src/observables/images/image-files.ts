import { lastValueFrom, map } from "rxjs";
import type { CallOptions } from "../../services/call-options.js";
import type { Services } from "../../services/services.js";
import type { ResolvedImage } from "./image-reader.js";
import { resolveLayerFiles } from "./layer-files.js";
import { extractTarFiles, type LayerCompression, type TarLayerFiles } from "../tar/tar-files.js";
import { NotImplementedError } from "../../errors/containerd-error.js";

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
 * Reads a few small files (e.g. `etc/passwd`, `etc/group`) out of an image's layers through the
 * content store — streamed, decompressed (gzip; zstd where Node has it, else
 * NotImplementedError) and tar-parsed in this process, never mounted on the client host. Layers
 * are read top-first and reading stops as soon as every file is settled.
 * @internal
 */
export async function readImageFiles(
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
