// OCI layer semantics over what extractTarFiles found in each layer: which layer's copy of a
// file is the one a container would see.

import { posix } from "node:path";
import { normalizeTarPath, type TarLayerFiles } from "../tar/tar-files.js";

type Entry = { readonly file: Buffer } | { readonly link: string };

/** `"a/b/c"` -> `["", "a", "a/b"]`: the root and every directory above the path. */
function ancestors(path: string): string[] {
  const parts = path.split("/");
  return parts.map((_p, i) => parts.slice(0, i).join("/"));
}

/** The top-most entry for `path`, unless a whiteout or an opaque directory hides the rest. */
function lookup(layersTopFirst: readonly TarLayerFiles[], path: string): Entry | undefined {
  const dirs = ancestors(path);
  for (const layer of layersTopFirst) {
    const file = layer.files.get(path);
    if (file !== undefined) return { file };
    const link = layer.links.get(path);
    if (link !== undefined) return { link };
    // A layer's whiteouts and opaque markers hide the layers below it, not its own entries.
    if (layer.whiteouts.has(path)) return undefined;
    if (dirs.some((d) => (d !== "" && layer.whiteouts.has(d)) || layer.opaqueDirs.has(d))) return undefined;
  }
  return undefined;
}

/**
 * Resolves `wanted` paths across image layers the way an overlay snapshot would: walking from
 * the top layer down, the first layer holding the path wins; a whiteout of the path or of a
 * parent directory, or an opaque parent directory, hides every lower layer. When the top-most
 * entry is a symlink or hard link, its target (absolute, or relative to the link's directory)
 * is resolved once and looked up the same way, so include likely targets in `wanted` when
 * calling extractTarFiles. Paths not found (or deleted, or links to links) are absent from the
 * result, which is keyed by the `wanted` strings as given.
 *
 * @example
 * ```ts skip (extractTarFiles is internal to src/observables/tar)
 * const wanted = ["etc/passwd", "etc/group"];
 * const layers = await Promise.all(layerBlobs$.map((blob$) => lastValueFrom(extractTarFiles(blob$, wanted, { gzip: true }))));
 * const files = resolveLayerFiles(layers.reverse(), wanted); // layerBlobs$ is bottom-first, as in a manifest
 * const passwd = files.get("etc/passwd")?.toString("utf8") ?? "";
 * ```
 */
export function resolveLayerFiles(
  layersTopFirst: readonly TarLayerFiles[],
  wanted: readonly string[],
): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const name of wanted) {
    const path = normalizeTarPath(name);
    let entry = lookup(layersTopFirst, path);
    if (entry !== undefined && "link" in entry) {
      const target = normalizeTarPath(
        entry.link.startsWith("/") ? entry.link : posix.join(posix.dirname(path), entry.link),
      );
      entry = target === path ? undefined : lookup(layersTopFirst, target);
    }
    if (entry !== undefined && "file" in entry) out.set(name, entry.file);
  }
  return out;
}
