import type { Readable } from "node:stream";
import { isObservable, type Observable } from "rxjs";

/**
 * A byte source as an async iterable. A Readable is iterated with backpressure (and destroyed if
 * `signal` aborts). An Observable is subscribed right away (so a hot source loses nothing while
 * the caller gets ready) and buffered without bound (rxjs has no backpressure). Iterating
 * throws when `signal` aborts.
 * @internal
 */
export function asyncChunks(source: Observable<Uint8Array> | Readable, signal: AbortSignal): AsyncIterable<Uint8Array> {
  return isObservable(source)
    ? observableChunks(source, signal)
    : { [Symbol.asyncIterator]: () => readableChunks(source, signal) };
}

async function* readableChunks(source: Readable, signal: AbortSignal): AsyncGenerator<Uint8Array> {
  const onAbort = () => source.destroy();
  signal.addEventListener("abort", onAbort, { once: true });
  try {
    for await (const chunk of source) {
      if (signal.aborted) break;
      yield typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Uint8Array);
    }
  } finally {
    signal.removeEventListener("abort", onAbort);
  }
  if (signal.aborted) throw new Error("aborted");
}

function observableChunks(source: Observable<Uint8Array>, signal: AbortSignal): AsyncIterable<Uint8Array> {
  const queue: Uint8Array[] = [];
  let done = false;
  let failure: { e: unknown } | undefined;
  let wake: (() => void) | undefined;
  const sub = source.subscribe({
    next: (c) => {
      queue.push(c);
      wake?.();
    },
    error: (e: unknown) => {
      failure = { e };
      wake?.();
    },
    complete: () => {
      done = true;
      wake?.();
    },
  });
  const onAbort = () => {
    sub.unsubscribe();
    wake?.();
  };
  signal.addEventListener("abort", onAbort, { once: true });
  async function* iterate(): AsyncGenerator<Uint8Array> {
    try {
      for (;;) {
        if (signal.aborted) throw new Error("aborted");
        const next = queue.shift();
        if (next !== undefined) {
          yield next;
          continue;
        }
        if (failure) throw failure.e;
        if (done) return;
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        wake = undefined;
      }
    } finally {
      signal.removeEventListener("abort", onAbort);
      sub.unsubscribe();
    }
  }
  return { [Symbol.asyncIterator]: iterate };
}
