import { Observable, type Subscription, from, map } from "rxjs";
import { httpError, networkError } from "./http-errors.js";

/** One HTTP request to a registry (or its token server / storage). */
export interface HttpRequest {
  readonly method: string;
  readonly url: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** A buffer (re-sendable) or a factory of a fresh stream (sent once, `duplex: "half"`). */
  readonly body?: Uint8Array | (() => ReadableStream<Uint8Array>);
}

/**
 * Sends `req` with Node's `fetch` (redirects followed; `Authorization` is dropped on cross-origin
 * redirects) and hands the response to `handle`. Cold: the request starts on subscription.
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
    const init: RequestInit & { duplex?: "half" } = {
      method: req.method,
      headers: req.headers ?? {},
      redirect: "follow",
      signal: ac.signal,
      ...(body === undefined ? {} : { body, ...(body instanceof Uint8Array ? {} : { duplex: "half" as const }) }),
    };
    fetch(req.url, init).then(
      (res) => {
        response = res;
        if (sub.closed) return;
        inner = handle(res).subscribe({
          next: (v) => sub.next(v),
          error: (e: unknown) => { done = true; sub.error(e); },
          complete: () => { done = true; sub.complete(); },
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

/** The whole body as a Buffer. */
export function readBody$(res: Response): Observable<Buffer> {
  return from(res.arrayBuffer()).pipe(map((b) => Buffer.from(b)));
}

/** Errors with the typed error of a non-2xx response (body read for the registry's error codes). */
export function failWith$<T>(req: HttpRequest, res: Response): Observable<T> {
  return new Observable<T>((sub) => {
    const text = req.method === "HEAD" ? Promise.resolve("") : res.text().catch(() => "");
    text.then((t) => sub.error(httpError(req.method, req.url, res.status, res.statusText, res.headers, t)), () => undefined);
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
          if (done) { sub.complete(); return; }
          sub.next(Buffer.from(value.buffer, value.byteOffset, value.byteLength));
          if (pace) pace().then(pump, () => undefined); // a failed consumer unsubscribes us itself
          else pump();
        },
        (e: unknown) => { if (!stopped) sub.error(networkError("GET", res.url, e)); },
      );
    };
    pump();
    return () => {
      stopped = true;
      reader.cancel().catch(() => undefined);
    };
  });
}
