import { from, lastValueFrom, map, mergeMap, toArray, type Observable } from "rxjs";
import { InvalidArgumentError } from "../../errors/containerd-error.js";
import { isNotFound } from "../../errors/guards.js";
import { readBlob, type OciDescriptor } from "./image-reader.js";
import type { Descriptor, ImageIndex, ImageManifest } from "../oci/media-types.js";
import { isIndexMediaType } from "../oci/media-types.js";
import { tryParseReference, type ImageReference } from "../oci/reference.js";
import { validated } from "../rx/validated.js";
import type { ImageProgress } from "./image.js";
import { toImage } from "./image-record.js";
import { progressTransaction$ } from "../rx/progress-transaction.js";
import { checkRemote, registryFor, type RemoteOptions } from "./remote.js";
import type { RangeSource } from "../registry/push.js";
import { longCall, type StoreContext } from "../content/store-context.js";

/** Options of `client.images.push$`. */
export interface PushOptions extends RemoteOptions {
  /** The local image to push (default: the same name as the destination reference). */
  readonly source?: string;
}

const asDescriptor = (d: OciDescriptor | Descriptor): Descriptor => ({
  mediaType: d.mediaType,
  digest: d.digest,
  size: d.size,
  ...(d.annotations ? { annotations: d.annotations } : {}),
});

/**
 * Pushes an image from the content store: each manifest's config and layers (streamed out of
 * the content store in 1 MiB ranges read only as the upload sends them on, so memory stays
 * bounded whatever the registry's speed; blobs the registry has are skipped), each manifest by digest, then the root
 * (manifest or index) by the reference's tag. Manifests of an index that are not in the local
 * store (other platforms never pulled) are skipped, and so is the index then, as containerd does
 * not push a partial index: the one local manifest is pushed as the tag instead.
 * @internal
 */
export function push$(ctx: StoreContext, ref: string, options: PushOptions = {}): Observable<ImageProgress> {
  return validated(
    () => {
      const r = checkRemote("push", ref, options);
      return r instanceof InvalidArgumentError ? r : undefined;
    },
    () =>
      progressTransaction$<ImageProgress, ImageProgress>(async (_tx, emit) => {
        const reference = tryParseReference(ref) as ImageReference;
        const registry = registryFor(options);
        const call = longCall(ctx, options);
        const { image } = await lastValueFrom(
          ctx.services.images.get$({ name: options.source ?? reference.string }, call),
        );
        const target = image?.target;
        if (!target) throw new InvalidArgumentError(`image ${options.source ?? reference.string} has no target`);
        let root: Descriptor = { mediaType: target.mediaType, digest: target.digest, size: target.size.toNumber() };
        emit({ type: "resolved", name: reference.string, target: root });
        let manifests: Descriptor[] = [root];
        let rootBytes: Buffer | undefined; // read once: the index here, or the root manifest below
        if (isIndexMediaType(root.mediaType)) {
          rootBytes = await readBlob(ctx.services, root, call);
          const index = JSON.parse(rootBytes.toString()) as ImageIndex;
          const present: Descriptor[] = [];
          for (const m of index.manifests) {
            const here = await lastValueFrom(ctx.services.content.info$({ digest: m.digest }, call)).then(
              () => true,
              (e: unknown) => {
                if (isNotFound(e)) return false;
                throw e;
              },
            );
            if (here) present.push(m);
          }
          manifests = present;
          if (present.length < index.manifests.length) {
            if (present.length !== 1)
              throw new InvalidArgumentError(
                `image ${reference.string}: ${present.length} of ${index.manifests.length} manifests are local; cannot push a partial index`,
              );
            root = asDescriptor(present[0] as Descriptor);
            rootBytes = undefined;
          }
        }
        const concurrency = options.concurrency ?? 3;
        for (const m of manifests) {
          const bytes = await readBlob(ctx.services, m, call);
          const manifest = JSON.parse(bytes.toString()) as ImageManifest;
          await lastValueFrom(
            from([manifest.config, ...manifest.layers]).pipe(
              mergeMap((d) => {
                emit({ type: "uploading", digest: d.digest, bytes: 0, total: d.size });
                // Read from the content store a range at a time, only as fast as the upload sends it on
                // (the Read stream itself cannot be paused): memory stays bounded per blob.
                const content: RangeSource = {
                  read: (offset, size) =>
                    ctx.services.content.read$({ digest: d.digest, offset, size }, call).pipe(map((r) => r.data)),
                };
                return registry.pushBlob$(reference, asDescriptor(d), content).pipe(
                  map((r) => {
                    emit({ type: "uploading", digest: d.digest, bytes: d.size, total: d.size, existed: r.existed });
                  }),
                );
              }, concurrency),
              toArray(),
            ),
          );
          if (m.digest === root.digest) rootBytes = bytes;
          else
            await lastValueFrom(
              registry.pushManifest$(
                { ...reference, tag: undefined, digest: m.digest, string: `${reference.name}@${m.digest}` },
                bytes,
                m.mediaType,
              ),
            );
        }
        if (!rootBytes) throw new InvalidArgumentError(`image ${reference.string}: root ${root.digest} was not read`);
        await lastValueFrom(registry.pushManifest$(reference, rootBytes, root.mediaType));
        return [{ type: "done", image: toImage(ctx, image) }];
      }),
  );
}
