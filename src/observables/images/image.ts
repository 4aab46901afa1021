import { map, type Observable } from "rxjs";
import { cancellable } from "../rx/cancellable.js";
import type { CallOptions } from "../../services/call-options.js";
import { readBlob, resolveImage, type OciDescriptor } from "./image-reader.js";
import type { ImageConfigFile } from "../spec/image-types.js";
import type { ImageProgressOf } from "./image-progress.js";
import { DEFAULT_PLATFORM, INDEX_MEDIA_TYPES, type Platform } from "../oci/oci.js";
import { progressTransaction$ } from "../rx/progress-transaction.js";
import { snapshotExists, unpackImage } from "./unpack.js";
import { temporaryLease } from "../content/temporary-lease.js";
import type { StoreContext } from "../content/store-context.js";

/** An image record as containerd stores it (Images.Get/List). */
export interface ImageRecordInfo {
  readonly name: string;
  readonly target: OciDescriptor;
  readonly labels: Readonly<Record<string, string>>;
  readonly createdAt?: Date;
  readonly updatedAt?: Date;
}

/** Progress of `unpack$`, `import$` (and pull): see {@link ImageProgressOf}. */
export type ImageProgress = ImageProgressOf<Image>;

/** Options of {@link Image.unpack$}. */
export interface UnpackOptions extends CallOptions {
  /** Platform to pick from a multi-platform image (`selectManifest` from `rxcontainerd/oci`). Default: the host's ({@link DEFAULT_PLATFORM}). */
  readonly platform?: Platform;
}

/**
 * An image of the client's namespace: a name pointing at a target descriptor (an index or a
 * manifest) in the content store. Get one from `client.images.get$`, `list$`, `create$` or
 * `import$`. The fields are a snapshot of the record when it was read; the methods read the
 * content store (cold: on subscribe) and pick `platform` (default: the host's) from an index.
 * Unsubscribing cancels the RPC in flight, and no later RPC is made.
 *
 * @example
 * ```ts
 * const img = await lastValueFrom(client.images.get$("docker.io/library/busybox:latest"));
 * if (!(await lastValueFrom(img.isUnpacked$()))) await lastValueFrom(img.unpack$(), { defaultValue: undefined });
 * ```
 */
export class Image implements ImageRecordInfo {
  readonly name: string;
  readonly target: OciDescriptor;
  readonly labels: Readonly<Record<string, string>>;
  readonly createdAt?: Date;
  readonly updatedAt?: Date;

  /** @internal */
  constructor(
    private readonly ctx: StoreContext,
    record: ImageRecordInfo,
  ) {
    this.name = record.name;
    this.target = record.target;
    this.labels = record.labels;
    if (record.createdAt) this.createdAt = record.createdAt;
    if (record.updatedAt) this.updatedAt = record.updatedAt;
  }

  private call(options?: CallOptions): CallOptions {
    return { ...options, namespace: this.ctx.namespace };
  }

  /** The parsed OCI config (Images.Get, Content.Read of index/manifest/config). NotFoundError for a missing platform or blob. */
  config$(options: UnpackOptions = {}): Observable<ImageConfigFile> {
    const { platform, ...call } = options;
    return cancellable((c) => resolveImage(this.ctx.services, this.name, platform, c.call(this.call(call)))).pipe(
      map((r) => r.config),
    );
  }

  /** The layers' diff IDs (uncompressed digests) from the config (`RootFS` in the Go client). */
  rootfs$(options: UnpackOptions = {}): Observable<string[]> {
    const { platform, ...call } = options;
    return cancellable((c) => resolveImage(this.ctx.services, this.name, platform, c.call(this.call(call)))).pipe(
      map((r) => [...r.diffIds]),
    );
  }

  /** Bytes in the content store for the platform: index (if any) + manifest + config + layers. */
  size$(options: UnpackOptions = {}): Observable<number> {
    const { platform, ...call } = options;
    return cancellable(async (c) => {
      const r = await resolveImage(this.ctx.services, this.name, platform, c.call(this.call(call)));
      const manifest = JSON.parse(
        (await readBlob(this.ctx.services, r.manifest, c.call(this.call(call)))).toString("utf8"),
      ) as { config?: OciDescriptor };
      const top = r.manifest.digest === r.target.digest ? 0 : r.target.size;
      return top + r.manifest.size + (manifest.config?.size ?? 0) + r.layers.reduce((n, l) => n + l.size, 0);
    });
  }

  /** The platforms the image has: an index's entries, or the config's os/architecture. */
  platforms$(options?: CallOptions): Observable<Platform[]> {
    return cancellable(async (c) => {
      if (INDEX_MEDIA_TYPES.has(this.target.mediaType)) {
        const index = JSON.parse(
          (await readBlob(this.ctx.services, this.target, c.call(this.call(options)))).toString("utf8"),
        ) as { manifests?: OciDescriptor[] };
        return (index.manifests ?? []).flatMap((m) =>
          m.platform
            ? [
                {
                  os: m.platform.os,
                  architecture: m.platform.architecture,
                  ...(m.platform.variant ? { variant: m.platform.variant } : {}),
                },
              ]
            : [],
        );
      }
      const r = await resolveImage(this.ctx.services, this.name, DEFAULT_PLATFORM, c.call(this.call(options)));
      const conf = r.config as ImageConfigFile & { os?: string; architecture?: string; variant?: string };
      return [
        {
          os: conf.os ?? "",
          architecture: conf.architecture ?? "",
          ...(conf.variant ? { variant: conf.variant } : {}),
        },
      ];
    });
  }

  /** Whether the top layer's snapshot (chain ID) exists in `snapshotter` (Snapshots.Stat). */
  isUnpacked$(snapshotter = "overlayfs", options: UnpackOptions = {}): Observable<boolean> {
    const { platform, ...call } = options;
    return cancellable(async (c) => {
      const r = await resolveImage(this.ctx.services, this.name, platform, c.call(this.call(call)));
      return snapshotExists(this.ctx.services, snapshotter, r.chainId, c.call(this.call(call)));
    });
  }

  /**
   * Unpacks the layers into `snapshotter` (default overlayfs) under a temporary lease, like the
   * Go client's `Unpack`: for each layer, a `layer` progress event (`unpacked`, or `exists` when
   * the snapshot was already there), then `{ type: "done", image }`. Idempotent, and safe to run
   * concurrently with another unpack of the same image. Errors: NotFoundError (image, platform,
   * blob), DataLossError (a layer's applied digest differs from its diff ID), InvalidArgumentError
   * (unsupported layer type). Unsubscribing stops after the current RPC; prepared snapshots are
   * removed and the lease deleted, so only committed layers (harmless, GC-able) remain.
   * RPCs: Leases.Create, Images.Get, Content.Read, per layer Snapshots.Stat/Prepare, Diff.Apply,
   * Snapshots.Commit, Content.Update; Content.Update (config), Leases.Delete.
   */
  unpack$(snapshotter = "overlayfs", options: UnpackOptions = {}): Observable<ImageProgress> {
    const { platform, ...call } = options;
    return progressTransaction$<ImageProgress, ImageProgress>(async (tx, emit) => {
      const lease = await temporaryLease(tx, this.ctx.services, this.ctx.namespace);
      await unpackImage(tx, this.ctx.services, this.name, snapshotter, this.call({ ...call, lease }), emit, platform);
      return [{ type: "done", image: this }];
    });
  }
}
