import { Readable, type Writable } from "node:stream";
import { defer, map, of, switchMap, type Observable } from "rxjs";
import { InvalidArgumentError } from "../../errors/containerd-error.js";
import type { CallOptions } from "../../services/call-options.js";
import type { OciDescriptor } from "./image-reader.js";
import { validated } from "../rx/validated.js";
import { checkLabels } from "../client/labels.js";
import { exportImages$, type ExportOptions } from "./archive/export-archive.js";
import type { Image } from "./image.js";
import { toImage } from "./image-record.js";
import type { ImageProgress } from "./image.js";
import { importArchive$, type ImportOptions } from "./archive/import-archive.js";
import { pull$, type PullOptions } from "./pull.js";
import { push$, type PushOptions } from "./push.js";
import { isSha256Digest } from "../oci/oci.js";
import type { StoreContext } from "../content/store-context.js";
import { filterList } from "../events/filters.js";

const checkName = (n: string) =>
  typeof n === "string" && n !== "" && !/\s/.test(n)
    ? undefined
    : new InvalidArgumentError(`invalid image name ${JSON.stringify(n)}`);
function checkTarget(t: OciDescriptor | undefined) {
  if (
    !t ||
    typeof t.mediaType !== "string" ||
    t.mediaType === "" ||
    !isSha256Digest(t.digest) ||
    !(Number.isSafeInteger(t.size) && t.size >= 0)
  ) {
    return new InvalidArgumentError(`invalid image target ${JSON.stringify(t)}`);
  }
  return undefined;
}
const protoTarget = (t: OciDescriptor) => ({
  mediaType: t.mediaType,
  digest: t.digest,
  size: t.size,
  annotations: { ...t.annotations },
});

/** Options of `images.create$`: the record's labels, and the call's options. */
export interface CreateImageOptions extends CallOptions {
  /** Labels of the image record. Default none. */
  readonly labels?: Readonly<Record<string, string>>;
}

/**
 * Images of the client's namespace (`client.images`). Every method is cold: the RPCs fire on
 * subscribe and an unsubscribe cancels them; names and descriptors are validated first
 * (InvalidArgumentError, no RPC). An image record keeps its target's content (and, through the
 * config's `containerd.io/gc.ref.snapshot.*` label, its unpacked snapshots) from garbage collection.
 *
 * @example
 * ```ts
 * client.images.list$("name~=busybox").subscribe((imgs) => console.log(imgs.map((i) => i.name)));
 * ```
 */
export class Images {
  /** @internal */
  constructor(private readonly ctx: StoreContext) {}

  private call(options?: CallOptions): CallOptions {
    return { ...options, namespace: this.ctx.namespace };
  }

  /** Images.List with filters (ORed), e.g. `name==docker.io/library/busybox:latest`, `labels.x==y`; emits one array. */
  list$(filters: string | readonly string[] = [], options?: CallOptions): Observable<Image[]> {
    return this.ctx.services.images
      .list$({ filters: filterList(filters) }, this.call(options))
      .pipe(map((r) => r.images.map((i) => toImage(this.ctx, i))));
  }

  /** Images.Get; emits the image. NotFoundError if there is none. */
  get$(name: string, options?: CallOptions): Observable<Image> {
    return validated(
      () => checkName(name),
      () => this.ctx.services.images.get$({ name }, this.call(options)).pipe(map((r) => toImage(this.ctx, r.image))),
    );
  }

  /**
   * Images.Create of a record pointing at `target` (which should be in the content store);
   * emits the image. AlreadyExistsError if the name is taken.
   */
  create$(name: string, target: OciDescriptor, options: CreateImageOptions = {}): Observable<Image> {
    const { labels = {}, ...call } = options;
    return validated(
      () => checkName(name) ?? checkTarget(target) ?? checkLabels("image labels", labels),
      () =>
        this.ctx.services.images
          .create$(
            {
              image: { name, target: protoTarget(target), labels: { ...labels } },
            },
            this.call(call),
          )
          .pipe(map((r) => toImage(this.ctx, r.image))),
    );
  }

  /**
   * Images.Update: sets the given labels (an empty value removes one; others stay, field mask
   * `labels.<key>`) and, if given, the target. Emits the image. NotFoundError if missing.
   * Without a target it first reads the image (Images.Get), since containerd ≥ 1.7 needs one in
   * every Update request.
   */
  update$(
    name: string,
    update: { readonly labels?: Readonly<Record<string, string>>; readonly target?: OciDescriptor },
    options?: CallOptions,
  ): Observable<Image> {
    const labels = update.labels ?? {};
    const mask = [...Object.keys(labels).map((k) => `labels.${k}`), ...(update.target ? ["target"] : [])];
    // An empty mask would mean "replace everything": an empty update is just a read.
    if (mask.length === 0) return this.get$(name, options);
    const call = this.call(options);
    // containerd 1.7 and 2.x dereference the request's target whatever the mask says: an Update
    // without one crashes the daemon (nil pointer). So a labels-only update sends the current
    // target (read with Images.Get); the mask keeps it from being written.
    const target$: Observable<OciDescriptor> = update.target
      ? of(update.target)
      : this.get$(name, options).pipe(map((img) => img.target));
    return validated(
      () =>
        checkName(name) ??
        (update.target ? checkTarget(update.target) : undefined) ??
        checkLabels("image labels", update.labels),
      () =>
        target$.pipe(
          switchMap((target) =>
            this.ctx.services.images.update$(
              {
                image: {
                  name,
                  labels: Object.fromEntries(Object.entries(labels).filter(([, v]) => v !== "")),
                  target: protoTarget(target),
                },
                updateMask: mask,
              },
              call,
            ),
          ),
          map((r) => toImage(this.ctx, r.image)),
        ),
    );
  }

  /**
   * Images.Delete; emits `undefined`. With `sync`, containerd garbage-collects before answering
   * (the image's content and snapshots, unless something else holds them, are gone when this
   * completes). NotFoundError if missing.
   */
  delete$(name: string, options: { readonly sync?: boolean } = {}, callOptions?: CallOptions): Observable<void> {
    return validated(
      () => checkName(name),
      () =>
        this.ctx.services.images
          .delete$({ name, sync: options.sync ?? false }, this.call(callOptions))
          .pipe(map(() => undefined)),
    );
  }

  /**
   * Imports an OCI image-layout tar or a `docker save` tar (optionally gzip-compressed), read
   * once, sequentially, with backpressure: each file is streamed into the content store as it
   * comes (digests computed on the way and checked against the OCI blob names), so memory stays
   * bounded whatever the layer sizes. Docker archives get an OCI index and Docker manifests
   * synthesised, as containerd's importer does. Everything happens under one temporary lease;
   * the GC labels linking index → manifests → config/layers are set, then the image records are
   * created (or re-pointed). Emits `blob` progress, `layer` progress when `unpack`, and one
   * `done` per image (after the lease is gone). Errors: InvalidArgumentError (not a tar, no
   * index.json/manifest.json, a missing blob, an unsupported media type, bad options),
   * DataLossError (digest or size mismatch, truncated data). On error or unsubscribe the image
   * records made so far are deleted and the lease is deleted synchronously, so the GC leaves no
   * content behind.
   *
   * `source` is a file path, a Readable (read once: a second subscription has nothing to read),
   * or the archive's bytes as a Buffer or Uint8Array (read afresh by every subscription).
   *
   * @example
   * ```ts
   * client.images.import$("/tmp/busybox-oci.tar", { unpack: true }).pipe(filter((p) => p.type === "done"))
   *   .subscribe((p) => console.log(p.image.name));
   * // or from bytes already in memory:
   * client.images.import$(readFileSync("/tmp/busybox-oci.tar")).subscribe();
   * ```
   */
  import$(source: Readable | string | Uint8Array, options: ImportOptions = {}): Observable<ImageProgress> {
    if (!(source instanceof Uint8Array)) return importArchive$(this.ctx, source, options);
    const bytes = Buffer.from(source.buffer, source.byteOffset, source.byteLength);
    return defer(() => importArchive$(this.ctx, Readable.from([bytes], { objectMode: false }), options));
  }

  /**
   * Writes the images `refs` (with their content, for `platform` or all platforms) as an OCI
   * image-layout tar to `destination` (a Writable, or a file path that is created and removed
   * again on failure), streaming blobs from the content store with backpressure. The index.json
   * entries carry `io.containerd.image.name` and `org.opencontainers.image.ref.name`, so
   * `ctr images import` and `import$` restore the names. Emits `undefined` once the archive is
   * complete. NotFoundError for a missing image or blob; InvalidArgumentError for no refs.
   *
   * @example
   * ```ts
   * await lastValueFrom(client.images.export$(["docker.io/library/busybox:latest"], "/tmp/busybox.tar"));
   * ```
   */
  export$(refs: readonly string[], destination: Writable | string, options: ExportOptions = {}): Observable<void> {
    return exportImages$(this.ctx, refs, destination, options);
  }

  /**
   * Pulls `ref` (docker-style: `busybox` = `docker.io/library/busybox:latest`) from its registry
   * (OCI distribution API v2): resolves it (index → the `platform`'s manifest), downloads the
   * config and layers (`concurrency` at a time, resuming partial downloads), stores manifest and
   * index with GC labels, creates or re-points the image record and, with `unpack`, unpacks it.
   * Everything happens under a per-reference lease that is deleted on success and left to expire
   * (1 h) on failure or unsubscribe, so a repeated pull resumes instead of starting over.
   * Emits `resolved`, `downloading` (per blob: bytes / total), `layer` (unpack), then `done`.
   * Errors: InvalidArgumentError (bad reference or options, before any request),
   * NotFoundError (unknown repository, tag or platform), UnauthenticatedError /
   * PermissionDeniedError (credentials), UnavailableError (registry unreachable), DataLossError
   * (digest mismatch). See docs/images.md.
   *
   * @example
   * ```ts
   * client.images.pull$("localhost:5000/library/busybox:latest", { unpack: true }).subscribe((p) => {
   *   if (p.type === "downloading") console.log(p.digest, `${Math.round((100 * p.bytes) / p.total)}%`);
   *   if (p.type === "done") console.log("pulled", p.image.name);
   * });
   * ```
   */
  pull$(ref: string, options: PullOptions = {}): Observable<ImageProgress> {
    return pull$(this.ctx, ref, options);
  }

  /**
   * Pushes the local image `options.source ?? ref` to `ref`'s registry: config and layers
   * streamed out of the content store (`concurrency` at a time; blobs the registry already has
   * are not sent again), manifests by digest, then the root by tag. An index whose other
   * platforms were never pulled is pushed as its one local manifest. Emits `resolved`,
   * `uploading` (per blob, start and end), then `done` with the local image. Errors:
   * InvalidArgumentError (bad reference, before any request), NotFoundError (no such local image
   * or blob), UnauthenticatedError / PermissionDeniedError, UnavailableError, DataLossError.
   *
   * @example
   * ```ts
   * client.images.push$("localhost:5000/team/app:1", { source: "docker.io/library/busybox:latest" }).subscribe();
   * ```
   */
  push$(ref: string, options: PushOptions = {}): Observable<ImageProgress> {
    return push$(this.ctx, ref, options);
  }
}
