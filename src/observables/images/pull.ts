import { createHash } from "node:crypto";
import { from, lastValueFrom, mergeMap, toArray, type Observable, type Subscription } from "rxjs";
import { CanceledError, InvalidArgumentError } from "../../errors/containerd-error.js";
import { isAlreadyExists } from "../../errors/guards.js";
import type { CallOptions } from "../../services/call-options.js";
import { validated } from "../rx/validated.js";
import type { Descriptor, Platform } from "../oci/media-types.js";
import { parsePlatform } from "../oci/platforms.js";
import { tryParseReference, type ImageReference } from "../oci/reference.js";
import { Registry } from "../registry/registry.js";
import type { Tx } from "../rx/transaction.js";
import { openBlobWriter, writeBlob } from "../content/blob-writer.js";
import type { ImageProgress } from "./image.js";
import { putImage } from "./image-put.js";
import { LEASE_EXPIRE_LABEL } from "../content/leases.js";
import { childGcLabels } from "../oci/oci.js";
import { progressTransaction$ } from "../rx/progress-transaction.js";
import { checkRemote, registryFor, type RemoteOptions } from "./remote.js";
import { longCall, type StoreContext } from "../content/store-context.js";
import { unpackImage } from "./unpack.js";

/** Options of `client.images.pull$`. */
export interface PullOptions extends RemoteOptions {
  /** The platform to pull from an index (`os/arch[/variant]` or an object). Default linux/amd64. */
  readonly platform?: Platform | string;
  /** Unpack into `snapshotter` after the download. */
  readonly unpack?: boolean;
  readonly snapshotter?: string;
}

const PULL_LEASE_TTL_MS = 3600 * 1000;
const PROGRESS_EVERY = 1 << 20;

function check(ref: string, options: PullOptions): InvalidArgumentError | undefined {
  const r = checkRemote("pull", ref, options);
  if (r instanceof InvalidArgumentError) return r;
  if (typeof options.platform === "string") {
    try { parsePlatform(options.platform); } catch (e) { return e instanceof InvalidArgumentError ? e : new InvalidArgumentError(String(e)); }
  }
  return undefined;
}

/**
 * The pull's lease: one per namespace and reference, so an interrupted pull's blobs and partial
 * downloads stay protected (for an hour) and a repeated pull finds and resumes them. Deleted when
 * the pull succeeds; left to expire when it fails or is unsubscribed.
 */
async function pullLease(tx: Tx, ctx: StoreContext, reference: ImageReference): Promise<string> {
  const id = `rxcontainerd-pull-${createHash("sha256").update(reference.string).digest("hex").slice(0, 24)}`;
  const call = { namespace: ctx.namespace };
  await lastValueFrom(ctx.services.leases.create$({ id, labels: { [LEASE_EXPIRE_LABEL]: new Date(Date.now() + PULL_LEASE_TTL_MS).toISOString() } }, call))
    .catch((e: unknown) => { if (!isAlreadyExists(e)) throw e; });
  return id;
}

/** Downloads one blob into the content store (resuming a partial ingest), with GC labels. */
async function fetchInto(tx: Tx, stop: { failed: boolean }, ctx: StoreContext, registry: Registry, reference: ImageReference,
  d: Descriptor, call: CallOptions, emit: (p: ImageProgress) => void): Promise<void> {
  const writer = await openBlobWriter(ctx.services, `rxcontainerd-pull-${d.digest}`, { digest: d.digest, size: d.size }, call);
  if (writer === "exists") {
    emit({ type: "downloading", digest: d.digest, bytes: d.size, total: d.size });
    return;
  }
  try {
    const offset = writer.continueAtServerOffset();
    let bytes = offset;
    let next = bytes + PROGRESS_EVERY;
    emit({ type: "downloading", digest: d.digest, bytes, total: d.size });
    // Each chunk is written before the next one is read off the socket (`pace`): memory stays
    // bounded by the writer's window whatever the network and daemon speeds.
    let written: Promise<void> = Promise.resolve();
    await new Promise<void>((resolve, reject) => {
      const holder: { sub?: Subscription } = {};
      const fail = (e: unknown) => { holder.sub?.unsubscribe(); reject(e); };
      holder.sub = registry.fetchBlob$(reference, d, { offset, verify: offset === 0, pace: () => written }).subscribe({
        next: (chunk) => {
          if (tx.cancelled || stop.failed) return fail(new CanceledError("pull unsubscribed or failed"));
          written = written.then(() => writer.write(chunk)).then(() => {
            bytes += chunk.length;
            if (bytes >= next) {
              next = bytes + PROGRESS_EVERY;
              emit({ type: "downloading", digest: d.digest, bytes, total: d.size });
            }
          });
          written.catch(fail);
        },
        error: fail,
        complete: () => void written.then(() => resolve(), fail),
      });
    });
    await writer.commit();
    emit({ type: "downloading", digest: d.digest, bytes: d.size, total: d.size });
  } finally {
    writer.close(); // an unfinished ingest stays (under the lease) for the next pull to resume
  }
}

/**
 * Pulls `ref` from its registry into the content store (config and layers `concurrency` at a
 * time, then the manifest and index), creates or re-points the image record, and unpacks when
 * asked. Emits `resolved`, `downloading` (per blob), `layer` (unpack) and finally `done`.
 * @internal
 */
export function pull$(ctx: StoreContext, ref: string, options: PullOptions = {}): Observable<ImageProgress> {
  return validated(() => check(ref, options), () => progressTransaction$<ImageProgress, ImageProgress>(async (tx, emit) => {
    const reference = tryParseReference(ref) as ImageReference;
    const registry = registryFor(options);
    const platform = typeof options.platform === "string" ? parsePlatform(options.platform) : options.platform;
    const resolved = await tx.step(registry.resolveManifest$(reference, platform ? { platform } : {}));
    emit({ type: "resolved", name: reference.string, target: resolved.root });
    // Only now is there something to protect: a failed resolve leaves no lease behind.
    const lease = await pullLease(tx, ctx, reference);
    const call = longCall(ctx, options, lease);
    const m = resolved.manifest.json;
    const stop = { failed: false };
    await lastValueFrom(from([m.config, ...m.layers]).pipe(
      mergeMap((d) => fetchInto(tx, stop, ctx, registry, reference, d, call, emit).catch((e: unknown) => { stop.failed = true; throw e; }),
        options.concurrency ?? 3),
      toArray()));
    const small = (d: Descriptor, bytes: Uint8Array, labels: Record<string, string>) =>
      writeBlob(ctx.services, `rxcontainerd-pull-${d.digest}`, d, bytes, labels, call);
    await small(resolved.manifest.descriptor, resolved.manifest.bytes, childGcLabels([m.config, ...m.layers]));
    if (resolved.index) await small(resolved.index.descriptor, resolved.index.bytes, childGcLabels([resolved.manifest.descriptor]));
    const image = await putImage(tx, ctx, reference.string, resolved.root, call);
    if (options.unpack) await unpackImage(tx, ctx.services, image.name, options.snapshotter ?? "overlayfs", call, emit, platform);
    // Success: the image record now holds the content; the pull's lease can go.
    tx.onFinally(() => ctx.services.leases.delete$({ id: lease }, { namespace: ctx.namespace }));
    return [{ type: "done", image }];
  }));
}
