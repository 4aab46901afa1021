import { randomBytes } from "node:crypto";
import { lastValueFrom } from "rxjs";
import { DataLossError, InvalidArgumentError } from "../../errors/containerd-error.js";
import { isAlreadyExists, isNotFound } from "../../errors/guards.js";
import type { CallOptions } from "../../services/call-options.js";
import type { Services } from "../../services/services.js";
import { chainId, resolveImage, type OciDescriptor, type ResolvedImage } from "./image-reader.js";
import type { Tx } from "../rx/transaction.js";
import type { ImageProgressOf } from "./image-progress.js";
import { LABEL_GC_SNAPSHOT_PREFIX, LABEL_UNCOMPRESSED, LAYER_MEDIA_TYPES, type Platform } from "../oci/oci.js";

/** The generated Descriptor from an OCI one. @internal */
export function protoDescriptor(d: OciDescriptor): {
  mediaType: string;
  digest: string;
  size: number;
  annotations: Record<string, string>;
} {
  return { mediaType: d.mediaType, digest: d.digest, size: d.size, annotations: { ...d.annotations } };
}

/** Snapshots.Stat of `key` → exists? (NotFound → false). @internal */
export async function snapshotExists(
  services: Services,
  snapshotter: string,
  key: string,
  call: CallOptions,
): Promise<boolean> {
  return lastValueFrom(services.snapshots.stat$({ snapshotter, key }, call)).then(
    () => true,
    (e: unknown) => {
      if (isNotFound(e)) return false;
      throw e;
    },
  );
}

/**
 * Unpacks an image's layers into `snapshotter` inside a transaction whose `lease` protects the
 * new snapshots, as the Go client's `image.Unpack` does. Per layer: Stat(chain ID) — skip if it
 * exists; Prepare(`extract-<random> <chainID>`, parent) → Diff.Apply → check the applied digest
 * against the config's diff ID → Commit(chain ID) (AlreadyExists = a concurrent unpack won: fine)
 * → label the layer blob `containerd.io/uncompressed`; the prepared key is removed whenever it
 * was not committed. Finally labels the config blob `containerd.io/gc.ref.snapshot.<sn>`.
 * @internal
 */
export async function unpackImage(
  tx: Tx,
  services: Services,
  name: string,
  snapshotter: string,
  call: CallOptions,
  emit: (p: ImageProgressOf<never>) => void,
  platform?: Platform,
): Promise<ResolvedImage> {
  const img = await resolveImage(services, name, platform, call);
  if (img.layers.length !== img.diffIds.length) {
    throw new InvalidArgumentError(
      `image "${name}": ${img.layers.length} layers but ${img.diffIds.length} diff IDs in the config`,
    );
  }
  let parent = "";
  for (const [index, layer] of img.layers.entries()) {
    const diffId = img.diffIds[index] ?? "";
    const chain = chainId(img.diffIds.slice(0, index + 1));
    if (!LAYER_MEDIA_TYPES.has(layer.mediaType))
      throw new InvalidArgumentError(`image "${name}": layer ${index} has unsupported media type ${layer.mediaType}`);
    let state: "unpacked" | "exists" = "exists";
    if (!(await snapshotExists(services, snapshotter, chain, call))) {
      const key = `extract-${randomBytes(6).toString("hex")} ${chain}`;
      const mounts = await tx.step(services.snapshots.prepare$({ snapshotter, key, parent }, call));
      let committed = false;
      try {
        const applied = await tx.step(
          services.diff.apply$({ diff: protoDescriptor(layer), mounts: mounts.mounts }, call),
        );
        if (applied.applied?.digest !== diffId) {
          throw new DataLossError(
            `image "${name}" layer ${index}: wrong diff id calculated on extraction: ${applied.applied?.digest ?? "none"}, expected ${diffId}`,
          );
        }
        try {
          await tx.step(services.snapshots.commit$({ snapshotter, name: chain, key }, call));
          committed = true;
          state = "unpacked";
        } catch (e) {
          if (!isAlreadyExists(e)) throw e;
        }
      } finally {
        if (!committed)
          await lastValueFrom(services.snapshots.remove$({ snapshotter, key }, call)).catch(() => undefined);
      }
      if (state === "unpacked") {
        await tx.step(
          services.content.update$(
            {
              info: { digest: layer.digest, labels: { [LABEL_UNCOMPRESSED]: diffId } },
              updateMask: [`labels.${LABEL_UNCOMPRESSED}`],
            },
            call,
          ),
        );
      }
    }
    emit({ type: "layer", index, chainId: chain, digest: layer.digest, state });
    parent = chain;
  }
  const configDigest = img.configDescriptor.digest;
  const label = `${LABEL_GC_SNAPSHOT_PREFIX}${snapshotter}`;
  await tx.step(
    services.content.update$(
      { info: { digest: configDigest, labels: { [label]: img.chainId } }, updateMask: [`labels.${label}`] },
      call,
    ),
  );
  return img;
}
