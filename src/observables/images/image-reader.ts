import { createHash } from "node:crypto";
import { lastValueFrom, reduce } from "rxjs";
import {
  DataLossError,
  FailedPreconditionError,
  InvalidArgumentError,
  NotFoundError,
} from "../../errors/containerd-error.js";
import type { CallOptions } from "../../services/call-options.js";
import type { Services } from "../../services/services.js";
import { sha256Digest } from "../oci/digest.js";
import type { ImageConfigFile } from "../spec/image-types.js";
import { INDEX_MEDIA_TYPES, MANIFEST_MEDIA_TYPES } from "../oci/oci.js";
import type { Platform } from "../oci/media-types.js";
import { DEFAULT_PLATFORM, formatPlatform, selectManifest } from "../oci/platforms.js";
import { SizedLru } from "./sized-lru.js";

/** An OCI content descriptor. */
export interface OciDescriptor {
  readonly mediaType: string;
  readonly digest: string;
  readonly size: number;
  readonly annotations?: Readonly<Record<string, string>>;
  readonly platform?: { readonly os: string; readonly architecture: string; readonly variant?: string };
}

/** An image resolved down to one platform's manifest and config. */
export interface ResolvedImage {
  readonly name: string;
  readonly target: OciDescriptor;
  readonly manifest: OciDescriptor;
  /** The config blob's descriptor (from the manifest). */
  readonly configDescriptor: OciDescriptor;
  readonly config: ImageConfigFile;
  readonly layers: readonly OciDescriptor[];
  readonly diffIds: readonly string[];
  /** The chain ID of the top layer: the snapshot a container's rootfs is prepared from. */
  readonly chainId: string;
}

const MAX_JSON = 4 << 20;

/** `identity.ChainID`: chain[0] = diff[0]; chain[i] = sha256(chain[i-1] + " " + diff[i]). */
export function chainId(diffIds: readonly string[]): string {
  return diffIds.reduce((chain, diff, i) => (i === 0 ? diff : sha256Digest(`${chain} ${diff}`)), "");
}

/** Reads a whole (small) blob from the content store and checks its digest. */
export async function readBlob(services: Services, desc: OciDescriptor, options?: CallOptions): Promise<Buffer> {
  if (desc.size > MAX_JSON)
    throw new InvalidArgumentError(`blob ${desc.digest} is ${desc.size} bytes, more than ${MAX_JSON}`);
  const data = await lastValueFrom(
    services.content
      .read$({ digest: desc.digest }, options)
      .pipe(reduce((acc: Buffer[], r) => (acc.push(r.data), acc), [])),
    { defaultValue: [] as Buffer[] },
  );
  const blob = Buffer.concat(data);
  const [algo, hex] = desc.digest.split(":");
  if (algo === "sha256" && createHash("sha256").update(blob).digest("hex") !== hex) {
    throw new DataLossError(`content ${desc.digest}: digest mismatch`);
  }
  return blob;
}

/**
 * Small blobs already read and checked against their sha256 digest (image indexes, manifests,
 * configs), by digest: content is addressed by its digest, so the bytes never change. One per
 * client (hence per namespace), least recently used first out, bounded in entries and bytes.
 * `create$` keeps the two or three `Content.Read` calls of an image's manifest and config out of
 * every container creation with it. @internal
 */
export class BlobCache {
  private readonly lru: SizedLru<Buffer>;

  constructor(maxEntries = 64, maxBytes = 4 << 20) {
    this.lru = new SizedLru<Buffer>(maxEntries, maxBytes, (b) => b.length);
  }

  get(digest: string): Buffer | undefined {
    return this.lru.get(digest);
  }

  /** Keeps `blob` if its digest is a sha256 (the only one readBlob checks) and it fits. */
  set(digest: string, blob: Buffer): void {
    if (digest.startsWith("sha256:")) this.lru.set(digest, blob);
  }

  get size(): number {
    return this.lru.size;
  }
}

async function readJson<T>(
  services: Services,
  desc: OciDescriptor,
  options?: CallOptions,
  cache?: BlobCache,
): Promise<T> {
  let blob = cache?.get(desc.digest);
  if (!blob) {
    blob = await readBlob(services, desc, options);
    cache?.set(desc.digest, blob);
  }
  try {
    return JSON.parse(blob.toString("utf8")) as T;
  } catch (e) {
    throw new InvalidArgumentError(`content ${desc.digest} (${desc.mediaType}) is not valid JSON`, { cause: e });
  }
}

/**
 * Images.Get, then the manifest (choosing `platform`, default the host's, from an index with
 * `selectManifest` from `rxcontainerd/oci`: the same choice as pull's) and the config from the content store.
 * NotFoundError for a missing image or platform. With `cache`, blobs read before (by digest) are
 * not read again: then only Images.Get is sent.
 */
export async function resolveImage(
  services: Services,
  name: string,
  platform: Platform = DEFAULT_PLATFORM,
  options?: CallOptions,
  cache?: BlobCache,
): Promise<ResolvedImage> {
  const res = await lastValueFrom(services.images.get$({ name }, options));
  const t = res.image?.target;
  if (!t) throw new NotFoundError(`image "${name}": no target`);
  const target: OciDescriptor = {
    mediaType: t.mediaType,
    digest: t.digest,
    size: t.size.toNumber(),
    annotations: t.annotations,
  };
  let manifestDesc = target;
  if (INDEX_MEDIA_TYPES.has(target.mediaType)) {
    const index = await readJson<{ manifests?: OciDescriptor[] }>(services, target, options, cache);
    const match = selectManifest(index.manifests ?? [], platform);
    if (!match) throw new NotFoundError(`image "${name}": no manifest for ${formatPlatform(platform)}`);
    if (!MANIFEST_MEDIA_TYPES.has(match.mediaType)) {
      throw new FailedPreconditionError(
        `image "${name}": the ${formatPlatform(platform)} entry has unsupported media type ${match.mediaType}`,
      );
    }
    manifestDesc = match;
  } else if (!MANIFEST_MEDIA_TYPES.has(target.mediaType)) {
    throw new FailedPreconditionError(`image "${name}": unsupported media type ${target.mediaType}`);
  }
  const manifest = await readJson<{ config?: OciDescriptor; layers?: OciDescriptor[] }>(
    services,
    manifestDesc,
    options,
    cache,
  );
  if (!manifest.config) throw new InvalidArgumentError(`image "${name}": manifest has no config`);
  const config = await readJson<ImageConfigFile>(services, manifest.config, options, cache);
  const diffIds = config.rootfs?.diff_ids ?? [];
  if (diffIds.length === 0) throw new InvalidArgumentError(`image "${name}": config has no layers`);
  return {
    name,
    target,
    manifest: manifestDesc,
    configDescriptor: manifest.config,
    config,
    layers: manifest.layers ?? [],
    diffIds,
    chainId: chainId(diffIds),
  };
}
