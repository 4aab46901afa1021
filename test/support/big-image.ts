// A one-layer image with a big layer (random 1 MiB seed repeated) stored in the daemon's content
// store, for push tests and benchmarks (test/integration/push-memory.test.ts, bench/push.ts): the
// layer, its config and manifest are written under a lease of their own and an image record
// names the manifest. `dropLease()` deletes the lease (sync); the caller deletes the image record.
import { createHash, randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import { lastValueFrom } from "rxjs";
import type { Containerd } from "../../src/index.js";
import { bigBlobChunks, bigBlobDigest } from "./slow-registry.js";

export interface BigImage {
  /** The image record's name. */
  readonly name: string;
  /** The layer's digest (its size is `mib` MiB). */
  readonly layerDigest: string;
  /** The lease that holds the content. */
  readonly lease: string;
  /** Deletes the lease, with `sync` (GC has run when it resolves). */
  dropLease(): Promise<void>;
}

const sha = (b: Buffer) => `sha256:${createHash("sha256").update(b).digest("hex")}`;

/**
 * Stores an image `name` whose one layer is `mib` MiB (uncompressed tar media type, not a real
 * tar: it is pushed, never unpacked). Ingest refs and the lease id start with `prefix`.
 */
export async function storeBigImage(
  client: Containerd,
  options: { readonly mib: number; readonly name: string; readonly prefix: string },
): Promise<BigImage> {
  const { mib, name, prefix } = options;
  const lease = `${prefix}-${randomBytes(4).toString("hex")}`;
  await lastValueFrom(client.services.leases.create$({ id: lease }));
  const dropLease = async () => {
    await lastValueFrom(client.services.leases.delete$({ id: lease, sync: true }));
  };
  try {
    const seed = randomBytes(1 << 20);
    const layer = { digest: bigBlobDigest(mib, seed), size: mib << 20 };
    await lastValueFrom(
      client.content.write$(`${prefix}-${layer.digest}`, Readable.from(bigBlobChunks(mib, seed)), {
        expected: layer,
        lease,
      }),
    );
    const config = Buffer.from(
      JSON.stringify({
        architecture: "amd64",
        os: "linux",
        rootfs: { type: "layers", diff_ids: [layer.digest] },
        config: {},
      }),
    );
    const configDesc = {
      mediaType: "application/vnd.oci.image.config.v1+json",
      digest: sha(config),
      size: config.length,
    };
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: "application/vnd.oci.image.manifest.v1+json",
        config: configDesc,
        layers: [{ mediaType: "application/vnd.oci.image.layer.v1.tar", ...layer }],
      }),
    );
    const manifestDesc = {
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      digest: sha(manifest),
      size: manifest.length,
    };
    await lastValueFrom(
      client.content.write$(`${prefix}-${configDesc.digest}`, Readable.from([config]), { expected: configDesc, lease }),
    );
    await lastValueFrom(
      client.content.write$(`${prefix}-${manifestDesc.digest}`, Readable.from([manifest]), {
        expected: manifestDesc,
        lease,
        labels: {
          "containerd.io/gc.ref.content.config": configDesc.digest,
          "containerd.io/gc.ref.content.l.0": layer.digest,
        },
      }),
    );
    await lastValueFrom(client.services.images.create$({ image: { name, target: manifestDesc } }));
    return { name, layerDigest: layer.digest, lease, dropLease };
  } catch (e) {
    await dropLease().catch(() => undefined);
    throw e;
  }
}
