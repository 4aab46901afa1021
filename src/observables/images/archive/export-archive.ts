import { createWriteStream } from "node:fs";
import { rm } from "node:fs/promises";
import type { Writable } from "node:stream";
import { lastValueFrom, reduce, type Observable } from "rxjs";
import { cancellable, type Cancel } from "../../rx/cancellable.js";
import { CanceledError, ContainerdError, InvalidArgumentError } from "../../../errors/containerd-error.js";
import type { CallOptions } from "../../../services/call-options.js";
import { tarHeader } from "../../tar/tar-stream.js";
import { readBlob, type OciDescriptor } from "../image-reader.js";
import { MEDIA_TYPE_OCI_INDEX } from "../../oci/media-types.js";
import {
  ANNOTATION_IMAGE_NAME,
  ANNOTATION_REF_NAME,
  DEFAULT_PLATFORM,
  INDEX_MEDIA_TYPES,
  MANIFEST_MEDIA_TYPES,
  ociRefName,
  platformMatches,
  type Platform,
} from "../../oci/oci.js";
import { longCall, type LongCallOptions, type StoreContext } from "../../content/store-context.js";

/** Options of `client.images.export$`. */
export interface ExportOptions extends LongCallOptions {
  /**
   * Platform whose manifests (from an index) are exported: every entry that can run on it
   * ({@link platformMatches}, containerd's `platforms.Only`). Default: the host's.
   */
  readonly platform?: Platform;
  /** Export every platform of an index (all their blobs must be present). Default false. */
  readonly allPlatforms?: boolean;
}

const RANGE = 1 << 20;

/** Every blob an image needs for the platform, parents first (index, manifest, config, layers). */
async function collect(
  ctx: StoreContext,
  d: OciDescriptor,
  options: ExportOptions,
  call: CallOptions,
  out: Map<string, OciDescriptor>,
): Promise<void> {
  if (out.has(d.digest)) return;
  out.set(d.digest, d);
  if (INDEX_MEDIA_TYPES.has(d.mediaType)) {
    const index = JSON.parse((await readBlob(ctx.services, d, call)).toString("utf8")) as {
      manifests?: OciDescriptor[];
    };
    for (const m of index.manifests ?? []) {
      if (options.allPlatforms || platformMatches(m.platform, options.platform ?? DEFAULT_PLATFORM))
        await collect(ctx, m, options, call, out);
    }
  } else if (MANIFEST_MEDIA_TYPES.has(d.mediaType)) {
    const m = JSON.parse((await readBlob(ctx.services, d, call)).toString("utf8")) as {
      config?: OciDescriptor;
      layers?: OciDescriptor[];
    };
    for (const child of [...(m.config ? [m.config] : []), ...(m.layers ?? [])]) out.set(child.digest, child);
  }
}

/** Writes to a Writable honouring backpressure; rejects when it errors or closes early. */
function writer(dest: Writable, c: Cancel): { write: (b: Buffer) => Promise<void>; end: () => Promise<void> } {
  let failure: unknown;
  dest.on("error", (e: unknown) => {
    failure = e;
  });
  const wait = (event: "drain" | "finish") =>
    new Promise<void>((resolve, reject) => {
      const done = () => {
        dest.off("error", fail);
        dest.off("close", closed);
        resolve();
      };
      const fail = (e: unknown) => {
        dest.off(event, done);
        reject(e);
      };
      const closed = () => {
        if (event === "drain") fail(new Error("destination closed"));
      };
      dest.once(event, done).once("error", fail).once("close", closed);
    });
  return {
    write: async (b) => {
      if (failure !== undefined) throw failure;
      if (!dest.write(b)) await c.until(wait("drain"));
    },
    end: async () => {
      if (failure !== undefined) throw failure;
      const finished = wait("finish");
      dest.end();
      await c.until(finished);
    },
  };
}

/** The export$ operation (see Images.export$). @internal */
export function exportImages$(
  ctx: StoreContext,
  refs: readonly string[],
  destination: Writable | string,
  options: ExportOptions,
): Observable<void> {
  // Unsubscribing cancels the RPC in flight (and a wait for the destination to drain); the
  // partial file is removed.
  return cancellable((c) => run(c));

  async function run(c: Cancel): Promise<void> {
    if (!Array.isArray(refs) || refs.length === 0 || refs.some((r) => typeof r !== "string" || r === "")) {
      throw new InvalidArgumentError("export$ needs at least one image name");
    }
    if (typeof destination === "string" && destination === "")
      throw new InvalidArgumentError("export$ path must not be empty");
    const call = c.call(longCall(ctx, options));
    const blobs = new Map<string, OciDescriptor>();
    const manifests: OciDescriptor[] = [];
    for (const name of refs) {
      const r = await lastValueFrom(ctx.services.images.get$({ name }, call));
      const t = r.image?.target;
      if (!t) throw new InvalidArgumentError(`image "${name}" has no target`);
      const target: OciDescriptor = { mediaType: t.mediaType, digest: t.digest, size: t.size.toNumber() };
      await collect(ctx, target, options, call, blobs);
      manifests.push({
        ...target,
        annotations: { ...t.annotations, [ANNOTATION_IMAGE_NAME]: name, [ANNOTATION_REF_NAME]: ociRefName(name) },
      });
    }
    const dest = typeof destination === "string" ? createWriteStream(destination) : destination;
    const out = writer(dest, c);
    try {
      const file = async (path: string, data: Buffer) => {
        await out.write(tarHeader(path, data.length));
        await out.write(data);
        await out.write(Buffer.alloc((512 - (data.length % 512)) % 512));
      };
      await file("oci-layout", Buffer.from(JSON.stringify({ imageLayoutVersion: "1.0.0" })));
      await out.write(tarHeader("blobs/", 0, "5"));
      await out.write(tarHeader("blobs/sha256/", 0, "5"));
      for (const d of blobs.values()) {
        if (c.signal.aborted) throw new CanceledError("export unsubscribed");
        await out.write(tarHeader(`blobs/sha256/${d.digest.slice("sha256:".length)}`, d.size));
        for (let offset = 0; offset < d.size; offset += RANGE) {
          const size = Math.min(RANGE, d.size - offset);
          const chunk = await lastValueFrom(
            ctx.services.content
              .read$({ digest: d.digest, offset, size }, call)
              .pipe(reduce((acc: Buffer[], x) => (acc.push(x.data), acc), [])),
            { defaultValue: [] as Buffer[] },
          );
          const data = Buffer.concat(chunk);
          if (data.length !== size)
            throw new InvalidArgumentError(`blob ${d.digest}: read ${data.length} of ${size} bytes at ${offset}`);
          await out.write(data);
        }
        await out.write(Buffer.alloc((512 - (d.size % 512)) % 512));
      }
      await file(
        "index.json",
        Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA_TYPE_OCI_INDEX, manifests })),
      );
      await out.write(Buffer.alloc(1024));
      await out.end();
    } catch (e) {
      dest.destroy();
      if (typeof destination === "string") await rm(destination, { force: true });
      throw ContainerdError.from(e);
    }
  }
}
