import {
  Injectable,
  type CallHandler,
  type ExecutionContext,
  type MessageEvent,
  type NestInterceptor,
} from "@nestjs/common";
import { Observable, Subject, Subscription, takeUntil, type OperatorFunction } from "rxjs";
import type { RunEvent } from "../observables/containers/run.js";
import { lines } from "../observables/operators/lines.js";

/**
 * The `data` of each server-sent event {@link toMessageEvents} emits, by event `type` (the SSE
 * `event:` field, so a browser listens with `source.addEventListener("line", …)`):
 * - `created` `{ containerId }`, `started` `{ containerId, pid }`;
 * - `line` `{ containerId, stream, line }`: one line of output, without its newline;
 * - `exited` `{ containerId, exitCode, exitedAt }` (ISO time): the last event of a run;
 * - `failed` `{ name, message }`: the run errored (the stream then ends).
 */
export type ContainerSseData =
  | { readonly type: "created"; readonly data: { readonly containerId: string } }
  | { readonly type: "started"; readonly data: { readonly containerId: string; readonly pid: number } }
  | {
      readonly type: "line";
      readonly data: { readonly containerId: string; readonly stream: "stdout" | "stderr"; readonly line: string };
    }
  | {
      readonly type: "exited";
      readonly data: { readonly containerId: string; readonly exitCode: number; readonly exitedAt: string };
    }
  | { readonly type: "failed"; readonly data: { readonly name: string; readonly message: string } };

/** Options of {@link toMessageEvents}. */
export interface MessageEventsOptions {
  /** How output bytes are decoded into lines. Default `utf8`. */
  readonly encoding?: BufferEncoding;
}

/**
 * Turns `run$` events (run with `io: Stdio.pipe()` to get output) into Nest `MessageEvent`s for an
 * `@Sse()` handler: output chunks become one `line` event per text line (multi-byte characters
 * kept whole; a last line without newline is sent before `exited`), and an error becomes one
 * `failed` event followed by completion, so the browser sees why the stream ended instead of a
 * dropped connection. Unsubscribing (the browser went away) unsubscribes `run$`, which removes the
 * container. See {@link ContainerSseData} for the shapes.
 *
 * @example
 * ```ts skip
 * @Sse("jobs/:id/events")
 * events(@Param("id") id: string): Observable<MessageEvent> {
 *   return this.client.run$(id, { image, args: ["sh", "-c", "echo hi"], io: Stdio.pipe() }).pipe(toMessageEvents());
 * }
 * ```
 */
export function toMessageEvents(options: MessageEventsOptions = {}): OperatorFunction<RunEvent, MessageEvent> {
  return (source) =>
    new Observable<MessageEvent>((subscriber) => {
      // One `lines()` per (container, stream), fed synchronously: its lines go out in order with
      // the other events, and completing its input emits the last line without a newline.
      const splitters = new Map<string, Subject<Uint8Array>>();
      const splitting = new Subscription();
      const emit = (e: ContainerSseData) => subscriber.next({ type: e.type, data: e.data });
      const splitter = (containerId: string, stream: "stdout" | "stderr") => {
        const key = `${containerId}\0${stream}`;
        let input = splitters.get(key);
        if (!input) {
          splitters.set(key, (input = new Subject<Uint8Array>()));
          splitting.add(
            input.pipe(lines(options.encoding ? { encoding: options.encoding } : {})).subscribe({
              next: (line) => emit({ type: "line", data: { containerId, stream, line } }),
              error: (err: unknown) => failed(err),
            }),
          );
        }
        return input;
      };
      const flush = () => {
        const inputs = [...splitters.values()];
        splitters.clear();
        for (const input of inputs) input.complete();
      };
      const failed = (err: unknown) => {
        if (subscriber.closed) return;
        flush();
        const error = err instanceof Error ? err : new Error(String(err));
        emit({ type: "failed", data: { name: error.name, message: error.message } });
        subscriber.complete();
      };
      const subscription = source.subscribe({
        next: (e) => {
          switch (e.type) {
            case "created":
              return emit({ type: "created", data: { containerId: e.containerId } });
            case "started":
              return emit({ type: "started", data: { containerId: e.containerId, pid: e.pid } });
            case "output":
              return splitter(e.containerId, e.stream).next(e.data);
            case "exited":
              flush();
              return emit({
                type: "exited",
                data: {
                  containerId: e.containerId,
                  exitCode: e.status.code,
                  exitedAt: e.status.exitedAt.toISOString(),
                },
              });
          }
        },
        error: failed,
        complete: () => {
          flush();
          subscriber.complete();
        },
      });
      return () => {
        subscription.unsubscribe();
        splitting.unsubscribe();
      };
    });
}

/**
 * An interceptor for `@Sse()` handlers that return `run$` events: applies {@link toMessageEvents}
 * and ends every stream it serves when the application begins to shut down
 * (`beforeApplicationShutdown`, before the HTTP server closes), which unsubscribes the runs so
 * their containers are removed and the server can close without waiting for the browsers. With
 * `ContainerdModule`'s own shutdown hook (which waits for those removals), `app.close()` leaves
 * no container, task or open call behind.
 *
 * @example
 * ```ts skip
 * @Sse("run") @UseInterceptors(ContainerdSseInterceptor)
 * run(@Query("cmd") cmd: string) { return this.client.run$(`job-${Date.now()}`, { image, args: ["sh", "-c", cmd], io: Stdio.pipe() }); }
 * ```
 */
export class ContainerdSseInterceptor implements NestInterceptor<RunEvent, MessageEvent> {
  private readonly shutdown$ = new Subject<void>();

  intercept(_context: ExecutionContext, next: CallHandler<RunEvent>): Observable<MessageEvent> {
    return next.handle().pipe(takeUntil(this.shutdown$), toMessageEvents());
  }

  /** Ends the streams in flight (Nest calls it on `app.close()` / a shutdown signal). */
  beforeApplicationShutdown(): void {
    this.shutdown$.next();
  }
}
Injectable()(ContainerdSseInterceptor);
