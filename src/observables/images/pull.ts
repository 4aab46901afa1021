import { createHash, randomBytes } from "node:crypto";
import { defer, finalize, from, lastValueFrom, mergeMap, toArray, type Observable, type Subscription } from "rxjs";
import { CanceledError, InvalidArgumentError } from "../../errors/containerd-error.js";
import { isAlreadyExists, isNotFound } from "../../errors/guards.js";
import type { CallOptions } from "../../services/call-options.js";
import { validated } from "../rx/validated.js";
import type { Descriptor, Platform } from "../oci/media-types.js";
import { DEFAULT_PLATFORM, parsePlatform } from "../oci/platforms.js";
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
  /**
   * The platform to pull from an index (`os/arch[/variant]` or an object), chosen with
   * containerd's `platforms.Only` rules (`selectManifest` from `rxcontainerd/oci`); unpack takes the same manifest.
   * Default: the host's platform ({@link DEFAULT_PLATFORM}).
   */
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
    try {
      parsePlatform(options.platform);
    } catch (e) {
      return e instanceof InvalidArgumentError ? e : new InvalidArgumentError(String(e));
    }
  }
  return undefined;
}

/** Label on a pull's leases: a hash of the reference being pulled. */
export const PULL_LEASE_LABEL = "rxcontainerd.io/pull";

/** The reference's key in lease ids and labels: 24 hex digits of its sha256. */
function referenceKey(reference: ImageReference): string {
  return createHash("sha256").update(reference.string).digest("hex").slice(0, 24);
}

/** The lease an interrupted pull of the reference hands its partial downloads to. */
function resumeLeaseId(key: string): string {
  return `rxcontainerd-pull-${key}`;
}

const leaseLabels = (key: string) => ({
  [LEASE_EXPIRE_LABEL]: new Date(Date.now() + PULL_LEASE_TTL_MS).toISOString(),
  [PULL_LEASE_LABEL]: key,
});

/**
 * The pull's own lease (`rxcontainerd-pull-<ref key>-<random>`, expiring in an hour), as Go's
 * `client.Pull` takes one per call: two pulls of one reference never share a lease, so neither
 * can delete what the other still depends on.
 *
 * - Success: the image record now holds the content; the lease is deleted, and so is the
 *   reference's resume lease (below).
 * - Failure or unsubscribe: what the lease holds (partial ingests, blobs) is handed over to the
 *   reference's resume lease `rxcontainerd-pull-<ref key>` (expiring an hour after it was made),
 *   then the pull's lease is deleted. A later pull of the reference resumes the partial
 *   downloads (their ingests join its own lease when it opens them) and removes the resume lease
 *   once it succeeds. If even the hand-over fails, the pull's lease expires on its own.
 */
async function pullLease(tx: Tx, ctx: StoreContext, reference: ImageReference): Promise<string> {
  const key = referenceKey(reference);
  const id = `${resumeLeaseId(key)}-${randomBytes(4).toString("hex")}`;
  const call = { namespace: ctx.namespace };
  await tx.step(ctx.services.leases.create$({ id, labels: leaseLabels(key) }, call));
  tx.onRollback(() => handOver(ctx, id, key));
  return id;
}

/** Moves a failed pull's resources to the reference's resume lease, then deletes the pull's lease. */
async function handOver(ctx: StoreContext, id: string, key: string): Promise<void> {
  const call = { namespace: ctx.namespace };
  const listed = await lastValueFrom(ctx.services.leases.listResources$({ id }, call)).catch((e: unknown) => {
    if (isNotFound(e)) return undefined; // already deleted: the pull had succeeded
    throw e;
  });
  if (!listed) return;
  if (listed.resources.length > 0) {
    const resume = resumeLeaseId(key);
    await lastValueFrom(ctx.services.leases.create$({ id: resume, labels: leaseLabels(key) }, call)).catch(
      (e: unknown) => {
        if (!isAlreadyExists(e)) throw e;
      },
    );
    for (const resource of listed.resources)
      await lastValueFrom(ctx.services.leases.addResource$({ id: resume, resource }, call));
  }
  await lastValueFrom(ctx.services.leases.delete$({ id }, call)).catch((e: unknown) => {
    if (!isNotFound(e)) throw e;
  });
}

/** Downloads one blob into the content store (resuming a partial ingest), with GC labels. */
async function fetchInto(
  tx: Tx,
  stop: { failed: boolean },
  ctx: StoreContext,
  registry: Registry,
  reference: ImageReference,
  d: Descriptor,
  call: CallOptions,
  emit: (p: ImageProgress) => void,
  signal: AbortSignal,
): Promise<void> {
  // Another pull (of any image sharing this blob) may be writing it: wait for it, then find it stored.
  const writer = await openBlobWriter(
    ctx.services,
    `rxcontainerd-pull-${d.digest}`,
    { digest: d.digest, size: d.size },
    call,
    { signal },
  );
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
      const fail = (e: unknown) => {
        holder.sub?.unsubscribe();
        reject(e);
      };
      holder.sub = registry.fetchBlob$(reference, d, { offset, verify: offset === 0, pace: () => written }).subscribe({
        next: (chunk) => {
          if (tx.cancelled || stop.failed) return fail(new CanceledError("pull unsubscribed or failed"));
          written = written
            .then(() => writer.write(chunk))
            .then(() => {
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
  return validated(
    () => check(ref, options),
    () =>
      defer(() => {
        // Ends waits for a blob another pull is writing when this pull is unsubscribed.
        const unsubscribed = new AbortController();
        return pullBody$(ctx, ref, options, unsubscribed.signal).pipe(finalize(() => unsubscribed.abort()));
      }),
  );
}

function pullBody$(
  ctx: StoreContext,
  ref: string,
  options: PullOptions,
  signal: AbortSignal,
): Observable<ImageProgress> {
  return progressTransaction$<ImageProgress, ImageProgress>(async (tx, emit) => {
    const reference = tryParseReference(ref) as ImageReference;
    const registry = registryFor(options);
    // One platform for resolve and unpack, chosen by the one matcher (selectManifest) in both.
    const platform =
      typeof options.platform === "string" ? parsePlatform(options.platform) : (options.platform ?? DEFAULT_PLATFORM);
    const resolved = await tx.step(registry.resolveManifest$(reference, { platform }));
    emit({ type: "resolved", name: reference.string, target: resolved.root });
    // Only now is there something to protect: a failed resolve leaves no lease behind.
    const lease = await pullLease(tx, ctx, reference);
    const call = longCall(ctx, options, lease);
    const m = resolved.manifest.json;
    const stop = { failed: false };
    const failed = new AbortController(); // one blob failed: the others stop waiting too
    const waitSignal = AbortSignal.any([signal, failed.signal]);
    await lastValueFrom(
      from([m.config, ...m.layers]).pipe(
        mergeMap(
          (d) =>
            fetchInto(tx, stop, ctx, registry, reference, d, call, emit, waitSignal).catch((e: unknown) => {
              stop.failed = true;
              failed.abort();
              throw e;
            }),
          options.concurrency ?? 3,
        ),
        toArray(),
      ),
    );
    const small = (d: Descriptor, bytes: Uint8Array, labels: Record<string, string>) =>
      writeBlob(ctx.services, `rxcontainerd-pull-${d.digest}`, d, bytes, labels, call);
    await small(resolved.manifest.descriptor, resolved.manifest.bytes, childGcLabels([m.config, ...m.layers]));
    if (resolved.index)
      await small(resolved.index.descriptor, resolved.index.bytes, childGcLabels([resolved.manifest.descriptor]));
    const image = await putImage(tx, ctx, reference.string, resolved.root, call);
    if (options.unpack)
      await unpackImage(tx, ctx.services, image.name, options.snapshotter ?? "overlayfs", call, emit, platform);
    // Success: the image record now holds the content; the pull's lease can go, and so can the
    // resume lease of earlier interrupted pulls of this reference.
    for (const id of [lease, resumeLeaseId(referenceKey(reference))]) {
      tx.onFinally(() =>
        lastValueFrom(ctx.services.leases.delete$({ id }, { namespace: ctx.namespace })).catch((e: unknown) => {
          if (!isNotFound(e)) throw e;
        }),
      );
    }
    return [{ type: "done", image }];
  });
}
