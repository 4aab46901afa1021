import { Observable, type Subscription } from "rxjs";
import { type ContainerdError, InvalidArgumentError, ResourceExhaustedError } from "../../errors/containerd-error.js";
import { httpError, networkError, redact } from "./http-errors.js";

/** How much of an error response's body is read for the registry's error codes. */
const MAX_ERROR_BODY = 64 * 1024;

/** One HTTP request to a registry (or its token server / storage). */
export interface HttpRequest {
  readonly method: string;
  readonly url: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** A buffer (re-sendable) or a factory of a fresh stream (sent once, `duplex: "half"`). */
  readonly body?: Uint8Array | (() => ReadableStream<Uint8Array>);
}

/**
 * Sends `req` with Node's `fetch` (redirects followed, except for a streamed body, where a
 * redirect is an error; `Authorization` is dropped on cross-origin redirects) and hands the
 * response to `handle`. Cold: the request starts on subscription.
 * Unsubscribing before `handle`'s Observable finishes aborts the request, closing the connection
 * even mid-body. Transport failures become {@link UnavailableError}s. An unread body is released
 * when `handle`'s Observable completes.
 */
export function exchange$<T>(req: HttpRequest, handle: (res: Response) => Observable<T>): Observable<T> {
  return new Observable<T>((sub) => {
    const ac = new AbortController();
    let inner: Subscription | undefined;
    let response: Response | undefined;
    let done = false;
    const body = typeof req.body === "function" ? req.body() : req.body;
    const streamed = body !== undefined && !(body instanceof Uint8Array);
    const init: RequestInit & { duplex?: "half" } = {
      method: req.method,
      headers: req.headers ?? {},
      // A streamed body cannot be re-sent on a redirect, and with `redirect: "follow"` (or
      // without `window: null`) fetch clones the request, tee-ing the body: the unread branch
      // would then keep every byte sent. So a streamed request does not follow redirects.
      ...(streamed ? { redirect: "error" as const, window: null } : { redirect: "follow" as const }),
      signal: ac.signal,
      ...(body === undefined ? {} : { body, ...(streamed ? { duplex: "half" as const } : {}) }),
    };
    fetch(req.url, init).then(
      (res) => {
        response = res;
        if (sub.closed) return;
        let handled: Observable<T>;
        try {
          handled = handle(res);
        } catch (e) {
          done = true;
          sub.error(e);
          return;
        }
        inner = handled.subscribe({
          next: (v) => sub.next(v),
          error: (e: unknown) => {
            done = true;
            sub.error(e);
          },
          complete: () => {
            done = true;
            sub.complete();
          },
        });
      },
      (e: unknown) => {
        if (!ac.signal.aborted) sub.error(networkError(req.method, req.url, e));
      },
    );
    return () => {
      inner?.unsubscribe();
      if (!done) ac.abort();
      else if (response?.body && !response.bodyUsed) response.body.cancel().catch(() => undefined);
    };
  });
}

/**
 * The whole body as one Buffer, read incrementally and never more than `limit` bytes: a
 * `Content-Length` over the limit fails before reading, and a body that grows past it is
 * cancelled at once. Over the limit the error is `tooBig(bytes)` (default: a
 * ResourceExhaustedError). Unsubscribing cancels the body.
 */
export function readBody$(
  res: Response,
  limit: number,
  tooBig?: (bytes: number) => ContainerdError,
): Observable<Buffer> {
  const over =
    tooBig ??
    ((n: number) =>
      new ResourceExhaustedError(
        `${res.url ? `response of ${redact(res.url)}` : "response"} is over ${limit} bytes (${n} seen)`,
      ));
  return new Observable<Buffer>((sub) => {
    const declared = Number(res.headers.get("content-length") ?? "-1");
    if (Number.isFinite(declared) && declared > limit) {
      res.body?.cancel().catch(() => undefined);
      sub.error(over(declared));
      return undefined;
    }
    if (!res.body) {
      sub.next(Buffer.alloc(0));
      sub.complete();
      return undefined;
    }
    const reader = res.body.getReader();
    const chunks: Buffer[] = [];
    let total = 0;
    let stopped = false;
    const pump = (): void => {
      reader.read().then(
        ({ done, value }) => {
          if (stopped) return;
          if (done) {
            stopped = true;
            sub.next(Buffer.concat(chunks, total));
            sub.complete();
            return;
          }
          total += value.byteLength;
          if (total > limit) {
            stopped = true;
            reader.cancel().catch(() => undefined);
            sub.error(over(total));
            return;
          }
          chunks.push(Buffer.from(value.buffer, value.byteOffset, value.byteLength));
          pump();
        },
        (e: unknown) => {
          if (!stopped) {
            stopped = true;
            sub.error(networkError("GET", res.url, e));
          }
        },
      );
    };
    pump();
    return () => {
      if (stopped) return;
      stopped = true;
      reader.cancel().catch(() => undefined);
    };
  });
}

/** The first `limit` bytes of the body as text (the rest is cancelled); "" on any failure. */
async function headText(res: Response, limit: number): Promise<string> {
  if (!res.body) return "";
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    while (total < limit) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      total += value.byteLength;
    }
  } catch {
    return "";
  } finally {
    reader.cancel().catch(() => undefined);
  }
  return Buffer.concat(chunks).subarray(0, limit).toString("utf8");
}

/** `new URL(url, base)`, or an InvalidArgumentError naming `what` thrown instead of a TypeError (for use inside defer / operators). */
export function mustParseUrl(url: string, base: string | undefined, what: string): URL {
  try {
    return base === undefined ? new URL(url) : new URL(url, base);
  } catch {
    throw new InvalidArgumentError(`${what} ${JSON.stringify(url)} is not a valid URL`);
  }
}

/** Errors with the typed error of a non-2xx response (the body's first 64 KiB read for the registry's error codes). */
export function failWith$<T>(req: HttpRequest, res: Response): Observable<T> {
  return new Observable<T>((sub) => {
    const text = req.method === "HEAD" ? Promise.resolve("") : headText(res, MAX_ERROR_BODY);
    text.then(
      (t) => sub.error(httpError(req.method, req.url, res.status, res.statusText, res.headers, t)),
      () => undefined,
    );
  });
}

/**
 * The response body as an Observable of chunks; reading stops (and the body is cancelled) on
 * unsubscribe. With `pace`, the next chunk is read only once the promise it returns settles:
 * backpressure from a consumer slower than the network.
 */
export function bodyChunks$(res: Response, pace?: () => Promise<unknown>): Observable<Buffer> {
  return new Observable<Buffer>((sub) => {
    if (!res.body) {
      sub.complete();
      return undefined;
    }
    const reader = res.body.getReader();
    let stopped = false;
    const pump = (): void => {
      reader.read().then(
        ({ done, value }) => {
          if (stopped) return;
          if (done) {
            sub.complete();
            return;
          }
          sub.next(Buffer.from(value.buffer, value.byteOffset, value.byteLength));
          if (pace)
            pace().then(pump, () => undefined); // a failed consumer unsubscribes us itself
          else pump();
        },
        (e: unknown) => {
          if (!stopped) sub.error(networkError("GET", res.url, e));
        },
      );
    };
    pump();
    return () => {
      stopped = true;
      reader.cancel().catch(() => undefined);
    };
  });
}
