// The Content.Write bidi stream as an async writer with a bounded window: every request gets one
// response (in order), at most WINDOW writes are in flight, data goes out in messages of at most
// CHUNK bytes. Used by content.write$ and image import (which feeds it straight from a tar).
import { createHash, type Hash } from "node:crypto";
import { lastValueFrom, Subject, type Subscription } from "rxjs";
import { WriteAction, type WriteContentRequest, type WriteContentResponse } from "../../services/protocol.js";
import { CanceledError, ContainerdError, DataLossError, InvalidArgumentError } from "../../errors/containerd-error.js";
import { isAlreadyExists, isUnavailable } from "../../errors/guards.js";
import type { CallOptions } from "../../services/call-options.js";
import type { MessageInit } from "../../services/message.js";
import type { Services } from "../../services/services.js";
import { isSha256Digest, sha256DigestError } from "../oci/oci.js";

const CHUNK = 1 << 20;
const WINDOW = 4;

/** What a finished write produced. */
export interface WrittenBlob {
  readonly digest: string;
  readonly size: number;
  /** True when the content store already had the blob (nothing, or not all, was sent). */
  readonly existed: boolean;
}

/** Expected digest and size of a write; both optional for internal use (computed when absent). */
export interface ExpectedBlob {
  readonly digest?: string;
  readonly size?: number;
}

/** InvalidArgumentError for a malformed expected descriptor, else undefined. @internal */
export function checkExpected(e: ExpectedBlob | undefined): InvalidArgumentError | undefined {
  if (e?.digest !== undefined && !isSha256Digest(e.digest)) return sha256DigestError(e.digest);
  if (e?.size !== undefined && !(Number.isSafeInteger(e.size) && e.size >= 0))
    return new InvalidArgumentError(`invalid size ${String(e.size)}`);
  return undefined;
}

type Pending = { resolve: (r: WriteContentResponse) => void; reject: (e: unknown) => void };

/** One Content.Write session. Create with {@link openBlobWriter}. @internal */
export class BlobWriter {
  private readonly requests = new Subject<MessageInit<WriteContentRequest>>();
  private readonly pending: Pending[] = [];
  private readonly inflight: Promise<WriteContentResponse>[] = [];
  private readonly hash: Hash = createHash("sha256");
  private sub: Subscription | undefined;
  private failure: unknown;
  private buffer: Buffer[] = [];
  private buffered = 0;
  /** Bytes given to write() so far (hashed). */
  received = 0;
  /** Bytes the daemon has (or will have once in-flight writes land). */
  private sent = 0;
  /** Server offset found by the first Stat: bytes of a previous interrupted write we skip. */
  resumeFrom = 0;
  private serverPrefixDigest = "";
  /** The prefix the daemon holds was accepted unseen: the daemon verifies the digest at commit. */
  private trustedPrefix = false;

  constructor(
    private readonly services: Services,
    readonly ref: string,
    private readonly expected: ExpectedBlob,
    private readonly options: CallOptions | undefined,
  ) {}

  /** Opens the stream and sends Stat; resolves "exists" when the expected blob is already stored. */
  async open(): Promise<"exists" | "ready"> {
    // A stream lasts as long as the data does: no client-default deadline unless one is asked for.
    this.sub = this.services.content.write$(this.requests, { timeoutMs: Infinity, ...this.options }).subscribe({
      next: (r) => this.pending.shift()?.resolve(r),
      error: (e: unknown) => this.fail(e),
      complete: () => this.fail(new DataLossError(`content write ${this.ref}: stream ended early`)),
    });
    let stat: WriteContentResponse;
    try {
      stat = await this.send({
        action: WriteAction.STAT,
        ref: this.ref,
        total: this.expected.size ?? 0,
        expected: this.expected.digest ?? "",
      });
    } catch (e) {
      if (isAlreadyExists(e) && this.expected.digest) return "exists";
      throw e;
    }
    const offset = stat.offset.toNumber();
    // Resume only a write of the same blob; anything else is overwritten (offset 0 truncates).
    const sameBlob =
      this.expected.digest !== undefined &&
      stat.digest !== "" &&
      offset > 0 &&
      (this.expected.size === undefined || offset <= this.expected.size);
    if (sameBlob) {
      this.resumeFrom = offset;
      this.serverPrefixDigest = stat.digest;
    }
    return "ready";
  }

  /**
   * Continues an interrupted write without re-reading its first `resumeFrom` bytes (a download
   * resumed with an HTTP Range): the data given to `write` then starts at that offset. The local
   * digest check is impossible, so the commit relies on the daemon's (it hashes the whole ingest
   * and refuses a commit whose expected digest differs). Needs an expected digest; returns the
   * offset to continue from (0 when there is nothing to resume).
   */
  continueAtServerOffset(): number {
    if (this.resumeFrom === 0 || this.expected.digest === undefined || this.received > 0) return 0;
    this.trustedPrefix = true;
    this.received = this.sent = this.resumeFrom;
    return this.resumeFrom;
  }

  /** Hashes and sends `data` (coalesced into ≤ 1 MiB messages); waits while the window is full. */
  async write(data: Uint8Array): Promise<void> {
    if (this.failure !== undefined) throw this.failure;
    let chunk = Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    if (this.received < this.resumeFrom) {
      const skip = Math.min(this.resumeFrom - this.received, chunk.length);
      this.hash.update(chunk.subarray(0, skip));
      this.received += skip;
      chunk = chunk.subarray(skip);
      if (this.received === this.resumeFrom) {
        this.sent = this.resumeFrom;
        const local = `sha256:${this.hash.copy().digest("hex")}`;
        if (local !== this.serverPrefixDigest) {
          throw new DataLossError(
            `content write ${this.ref}: the interrupted write's first ${this.resumeFrom} bytes differ from this data`,
          );
        }
      }
      if (chunk.length === 0) return;
    }
    this.hash.update(chunk);
    this.received += chunk.length;
    this.buffer.push(Buffer.from(chunk)); // copy: the caller may reuse its buffer
    this.buffered += chunk.length;
    while (this.buffered >= CHUNK) await this.flush(CHUNK);
  }

  /** Verifies digest and size, sends Commit with the rest; resolves the blob. */
  async commit(labels: Readonly<Record<string, string>> = {}): Promise<WrittenBlob> {
    if (this.failure !== undefined) throw this.failure;
    if (this.received < this.resumeFrom) {
      throw new DataLossError(
        `content write ${this.ref}: source ended after ${this.received} bytes, before the resume offset ${this.resumeFrom}`,
      );
    }
    const digest = this.trustedPrefix ? (this.expected.digest ?? "") : `sha256:${this.hash.digest("hex")}`;
    const size = this.received;
    if (this.expected.size !== undefined && size !== this.expected.size) {
      throw new DataLossError(`content write ${this.ref}: got ${size} bytes, expected ${this.expected.size}`);
    }
    if (this.expected.digest !== undefined && digest !== this.expected.digest) {
      throw new DataLossError(
        `content write ${this.ref}: digest mismatch: got ${digest}, expected ${this.expected.digest}`,
      );
    }
    while (this.buffered > CHUNK) await this.flush(CHUNK);
    const data = this.take(this.buffered);
    await Promise.all(this.inflight.splice(0));
    try {
      await this.send({
        action: WriteAction.COMMIT,
        offset: this.sent,
        data,
        total: size,
        expected: digest,
        labels: { ...labels },
      });
    } catch (e) {
      if (isAlreadyExists(e)) return { digest, size, existed: true };
      throw e;
    }
    this.requests.complete();
    return { digest, size, existed: false };
  }

  /** Cancels the stream (the partial ingest stays, resumable, until aborted or GC'd). */
  close(): void {
    this.sub?.unsubscribe();
    this.requests.complete();
  }

  /** Content.Abort of this ref (best effort). */
  async abort(): Promise<void> {
    this.close();
    await new Promise<void>((resolve) => {
      this.services.content
        .abort$({ ref: this.ref }, this.options)
        .subscribe({ error: () => resolve(), complete: () => resolve() });
    });
  }

  private async flush(n: number): Promise<void> {
    const data = this.take(n);
    const offset = this.sent;
    this.sent += data.length;
    this.inflight.push(this.send({ action: WriteAction.WRITE, offset, data }));
    if (this.inflight.length >= WINDOW) await this.inflight.shift();
  }

  private take(n: number): Buffer {
    const all = this.buffer.length === 1 ? (this.buffer[0] ?? Buffer.alloc(0)) : Buffer.concat(this.buffer);
    const out = all.subarray(0, n);
    const rest = all.subarray(n);
    this.buffer = rest.length > 0 ? [rest] : [];
    this.buffered = rest.length;
    return out;
  }

  private send(req: MessageInit<WriteContentRequest>): Promise<WriteContentResponse> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    const p = new Promise<WriteContentResponse>((resolve, reject) => this.pending.push({ resolve, reject }));
    p.catch(() => undefined); // observed by whoever awaits it; never an unhandled rejection
    this.requests.next(req);
    return p;
  }

  private fail(e: unknown): void {
    if (this.failure !== undefined) return;
    this.failure = ContainerdError.from(e);
    for (const p of this.pending.splice(0)) p.reject(this.failure);
  }
}

/** How {@link openBlobWriter} waits for an ingest ref another writer holds. @internal */
export interface WriterWait {
  /** Ends the wait (CanceledError), e.g. when the operation is unsubscribed. */
  readonly signal?: AbortSignal;
  /** First delay bound in ms (a random delay up to it, doubling up to `maxDelayMs`). Default 16. */
  readonly initialDelayMs?: number;
  /** Default 2048, as containerd's `content.OpenWriter`. */
  readonly maxDelayMs?: number;
  /** Called before each wait for a locked ref (attempt counts from 1). */
  readonly onLocked?: (attempt: number) => void;
}

/** containerd's "ref … locked for … (since …): unavailable" from a Content.Write whose ref another writer holds. @internal */
export function isLockedRef(e: unknown): boolean {
  return isUnavailable(e) && /\blocked\b/.test(e.message);
}

function delay(ms: number, signals: readonly (AbortSignal | undefined)[]): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const live = signals.filter((x): x is AbortSignal => x !== undefined);
    if (live.some((x) => x.aborted)) return resolve(false);
    const done = (ok: boolean) => {
      clearTimeout(timer);
      for (const x of live) x.removeEventListener("abort", onAbort);
      resolve(ok);
    };
    const onAbort = () => done(false);
    const timer = setTimeout(() => done(true), ms);
    for (const x of live) x.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * Opens a writer; "exists" when `expected.digest` is already in the store. containerd lets one
 * writer hold an ingest ref at a time (a second gets UnavailableError "ref … locked"): like Go's
 * `content.OpenWriter`, this waits and retries (random delays up to 16 ms, doubling to 2 s)
 * until the other writer is done — and then usually finds the blob committed ("exists") — or
 * until `wait.signal` or `options.signal` aborts (CanceledError) or `options.timeoutMs` has
 * passed (the lock's UnavailableError). A daemon that cannot be reached (UnavailableError without
 * a lock) is retried 5 times. @internal
 */
export async function openBlobWriter(
  services: Services,
  ref: string,
  expected: ExpectedBlob,
  options?: CallOptions,
  wait: WriterWait = {},
): Promise<BlobWriter | "exists"> {
  const deadline =
    options?.timeoutMs !== undefined && Number.isFinite(options.timeoutMs) ? Date.now() + options.timeoutMs : Infinity;
  let bound = wait.initialDelayMs ?? 16;
  let locked = 0;
  let unreachable = 0;
  for (;;) {
    if (wait.signal?.aborted || options?.signal?.aborted) throw new CanceledError(`content write ${ref}: cancelled`);
    const w = new BlobWriter(services, ref, expected, options);
    let state: "exists" | "ready";
    try {
      state = await w.open();
    } catch (e) {
      w.close();
      if (isLockedRef(e)) {
        wait.onLocked?.(++locked);
        const ms = Math.floor(Math.random() * bound);
        bound = Math.min(bound * 2, wait.maxDelayMs ?? 2048);
        if (Date.now() + ms > deadline) throw e;
        if (!(await delay(ms, [wait.signal, options?.signal]))) {
          throw new CanceledError(`content write ${ref}: cancelled while another writer held the ref`, { cause: e });
        }
        continue;
      }
      // A just-cancelled stream of our own may also hold the ref for a moment; a daemon going away is retried briefly.
      if (isUnavailable(e) && unreachable < 5) {
        if (!(await delay(50 << unreachable++, [wait.signal, options?.signal])))
          throw new CanceledError(`content write ${ref}: cancelled`, { cause: e });
        continue;
      }
      throw e;
    }
    if (state === "exists") {
      w.close();
      return "exists";
    }
    return w;
  }
}

/** Content.Update of a blob's labels (nothing to do for none). @internal */
export async function labelBlob(
  services: Services,
  digest: string,
  labels: Readonly<Record<string, string>>,
  call: CallOptions,
): Promise<void> {
  if (Object.keys(labels).length === 0) return;
  await lastValueFrom(
    services.content.update$(
      { info: { digest, labels: { ...labels } }, updateMask: Object.keys(labels).map((k) => `labels.${k}`) },
      call,
    ),
  );
}

/**
 * Stores a small blob held in memory (a manifest, an index) with `labels`; when the store has it
 * already, only the labels are set. @internal
 */
export async function writeBlob(
  services: Services,
  ref: string,
  blob: { readonly digest: string; readonly size: number },
  data: Uint8Array,
  labels: Readonly<Record<string, string>>,
  call: CallOptions,
): Promise<void> {
  const w = await openBlobWriter(services, ref, blob, call);
  if (w === "exists") return labelBlob(services, blob.digest, labels, call);
  try {
    await w.write(data);
    await w.commit(labels);
  } finally {
    w.close();
  }
}
