import { randomBytes } from "node:crypto";
import {
  catchError,
  concat,
  defer,
  EMPTY,
  from,
  mergeMap,
  NEVER,
  Observable,
  ReplaySubject,
  Subject,
  Subscription,
} from "rxjs";
import type { Services } from "../../services/services.js";
import type { PackedMessage, StreamMessage } from "../../services/transfer-payloads.js";
import { Leases, withLease } from "../content/leases.js";
import { longCall, type LongCallOptions } from "../content/store-context.js";
import { Images } from "../images/images.js";
import { explainUnsupported } from "./transfer-support.js";
import { mapProgress, type TransferDirection, type TransferProgress } from "./transfer-progress.js";
import { mapTransferError } from "./transfer-errors.js";
import { openStream$ } from "./transfer-stream.js";

/** What the `client.transfer` operations need from their client. @internal */
export interface TransferContext {
  readonly services: Services;
  readonly namespace: string;
}

/**
 * A Streaming stream a transfer names besides its progress stream (auth, archive data): given the
 * daemon's messages on it, returns what to send back. The transfer completes only once the
 * returned Observable has completed when `awaitEnd` is set (an export's archive fully written).
 */
export interface SideStream {
  readonly id: string;
  /** `transferred` emits once the Transfer call has returned successfully. */
  readonly duplex: (incoming: Observable<StreamMessage>, transferred: Observable<void>) => Observable<PackedMessage>;
  readonly awaitEnd?: boolean;
}

/** One daemon-side transfer, built per subscription (its streams hold per-call state). */
export interface TransferPlan {
  readonly source: PackedMessage;
  readonly destination: PackedMessage;
  readonly direction: TransferDirection;
  readonly streams: readonly SideStream[];
  /** The client-side method to point to when the daemon lacks Transfer, e.g. `images.pull$`. */
  readonly alternative: string;
  /** Images to report as `done` at the end besides those the daemon reports `saved` (tag). */
  readonly done?: readonly string[];
}

/** A stream id like Go's `streaming.GenerateID`: `<kind>-<random>`. */
export const streamId = (kind: string): string => `${kind}-${randomBytes(12).toString("hex")}`;

/**
 * Runs one Transfer the way Go's proxy transferrer does, under a lease of its own:
 * 1. creates a lease (deleted however the transfer ends: what it protected is either referenced
 *    by an image record by then, or garbage);
 * 2. opens the progress stream and the plan's side streams, and waits until the daemon has
 *    registered each;
 * 3. calls `Transfer` naming them; emits each daemon Progress, mapped ({@link mapProgress});
 * 4. completes once the call has returned, the daemon has closed the progress stream and every
 *    `awaitEnd` side stream is done, after emitting `done` for each image the daemon `saved`.
 * Unsubscribing cancels the call and every stream, then deletes the lease. NotImplementedError on
 * a daemon older than 1.7 ({@link explainUnsupported}).
 *
 * @example
 * ```ts skip
 * runTransfer$(ctx, () => plan, {}).subscribe((p) => console.log(p.type));
 * ```
 */
export function runTransfer$(
  ctx: TransferContext,
  makePlan: () => TransferPlan,
  options: LongCallOptions,
): Observable<TransferProgress> {
  const leases = new Leases(ctx.services, ctx.namespace);
  const images = new Images({ services: ctx.services, namespace: ctx.namespace });
  let alternative = "images.pull$";
  const body = (lease: string) =>
    new Observable<TransferProgress>((subscriber) => {
      const plan = makePlan();
      alternative = plan.alternative;
      const call = longCall(ctx, options, lease);
      const subs = new Subscription();
      const saved: string[] = [...(plan.done ?? [])];
      const progressId = streamId("progress");
      let waitingReady = plan.streams.length + 1;
      let pendingEnds = 1 + plan.streams.filter((s) => s.awaitEnd).length;
      let transferred = false;
      const transferredSignal = new ReplaySubject<void>(1);
      const fail = (e: unknown) => subscriber.error(e);
      const finish = () => {
        if (!transferred || pendingEnds > 0) return;
        subs.add(
          from(saved)
            .pipe(mergeMap((name) => images.get$(name, call), 1))
            .subscribe({
              next: (image) => subscriber.next({ type: "done", image }),
              error: fail,
              complete: () => subscriber.complete(),
            }),
        );
      };
      const ended = () => {
        pendingEnds--;
        finish();
      };
      const start = () => {
        if (--waitingReady > 0) return;
        subs.add(
          ctx.services.transfer
            .transfer$(
              { source: plan.source, destination: plan.destination, options: { progressStream: progressId } },
              call,
            )
            .subscribe({
              error: fail,
              complete: () => {
                transferred = true;
                transferredSignal.next();
                finish();
              },
            }),
        );
      };
      const open = (id: string, duplex: SideStream["duplex"], onEnd: "stream" | "duplex" | "none") => {
        const incoming = new Subject<StreamMessage>();
        const outgoing = concat(
          duplex(incoming, transferredSignal).pipe(
            catchError((e: unknown) => {
              fail(e);
              return NEVER;
            }),
          ),
          defer(() => {
            if (onEnd === "duplex") ended();
            return EMPTY;
          }),
        );
        subs.add(
          openStream$(ctx.services, id, outgoing, call).subscribe({
            next: (m) => (m.type === "ready" ? start() : incoming.next(m)),
            error: fail,
            complete: () => {
              incoming.complete();
              if (onEnd === "stream") ended();
            },
          }),
        );
      };
      open(
        progressId,
        (incoming) =>
          new Observable<never>(() =>
            incoming.subscribe((m) => {
              if (m.type !== "progress") return;
              const p = mapProgress(plan.direction, m);
              if (p.type === "status" && p.event === "saved" && p.name && !saved.includes(p.name)) saved.push(p.name);
              subscriber.next(p);
            }),
          ),
        "stream",
      );
      for (const s of plan.streams) open(s.id, s.duplex, s.awaitEnd ? "duplex" : "none");
      return () => subs.unsubscribe();
    });
  return withLease({ leases }, body, { expireAfterMs: 3600 * 1000 }, longCall(ctx, options)).pipe(
    catchError((e: unknown) => {
      throw mapTransferError(explainUnsupported(e, alternative));
    }),
  );
}
