import type { Client, ClientReadableStream, ClientWritableStream, ServiceError } from "@grpc/grpc-js";
import { Observable, type Subscriber, type Subscription } from "rxjs";
import { ContainerdError, InvalidArgumentError } from "../errors/containerd-error.js";
import { CallControl, ChannelCalls, type CallStats } from "./call-control.js";
import type { CallDefaults, CallOptions } from "./call-options.js";
import { captureCallSite, withoutStackCapture, type CallSite } from "./call-site.js";
import type { Codec, MessageInit } from "./message.js";
import { daemonVersionProbe } from "./unimplemented.js";

/** A ts-proto grpc-js method definition (the generated `XxxService.method` objects). */
export interface MethodDef<Req, Res, ReqStream extends boolean, ResStream extends boolean> {
  readonly path: string;
  readonly requestStream: ReqStream;
  readonly responseStream: ResStream;
  readonly requestSerialize: (value: Req) => Buffer;
  readonly responseDeserialize: (value: Buffer) => Res;
}

/** A call taking one request. Cold: the RPC is issued on each subscription. */
export type SingleRequestCall<Req, Res> = (request?: MessageInit<Req>, options?: CallOptions) => Observable<Res>;
/** A call taking a stream of requests, sent as the source emits; completing it half-closes. */
export type StreamRequestCall<Req, Res> = (
  requests: Observable<MessageInit<Req>>,
  options?: CallOptions,
) => Observable<Res>;

/**
 * The one place where gRPC plumbing happens. Turns the four kinds of gRPC call into cold
 * Observables: the call is issued on subscribe (once per subscription), unsubscribing cancels it
 * on the server, the CANCELLED status that follows our own cancel is swallowed, and every error
 * is a {@link ContainerdError} carrying the caller's stack. It sets the namespace and lease
 * headers, the deadline, the AbortSignal and extra metadata.
 *
 * @example
 * ```ts skip
 * const get$ = rpc.unary(TasksService.get, GetRequest);
 * get$({ containerId: "web" }, { timeoutMs: 1000 }).subscribe(console.log);
 * ```
 */
export class Rpc {
  constructor(
    readonly client: Client,
    readonly defaults: CallDefaults,
    readonly calls: ChannelCalls = new ChannelCalls(),
  ) {
    calls.daemonVersion ??= daemonVersionProbe(client);
  }

  /**
   * The daemon's version, asked once per channel and cached (a failed ask is not cached);
   * resolves `undefined` when the daemon did not answer. Never rejects.
   */
  daemonVersion(): Promise<string | undefined> {
    return (this.calls.daemonVersion?.() ?? Promise.resolve(undefined)).catch(() => undefined);
  }

  /** Live call counters of the channel (shared by every `withDefaults` copy). */
  get stats(): CallStats {
    return this.calls.stats;
  }

  /** The same channel (and live calls) with other defaults (e.g. another namespace). */
  withDefaults(defaults: Partial<CallDefaults>): Rpc {
    const given = Object.fromEntries(Object.entries(defaults).filter(([, v]) => v !== undefined));
    return new Rpc(this.client, { ...this.defaults, ...given }, this.calls);
  }

  /**
   * Cancels every call in flight (each errors with CanceledError "client closed", and the server
   * sees the cancel), makes every later call fail the same way without an RPC, then closes the
   * channel. Idempotent.
   */
  close(): void {
    this.calls.closeAll();
    this.client.close();
  }

  /** Unary call: emits the response, then completes. */
  unary<Req, Res>(def: MethodDef<Req, Res, false, false>, codec: Codec<Req>): SingleRequestCall<Req, Res> {
    return this.singleRequest<Req, Res>(def.path, codec, (message, ctl, subscriber) =>
      ctl.attach(
        withoutStackCapture(() =>
          this.client.makeUnaryRequest(
            def.path,
            def.requestSerialize,
            def.responseDeserialize,
            message,
            ctl.metadata,
            ctl.options,
            singleResponse(ctl, subscriber),
          ),
        ),
      ),
    );
  }

  /** Server-streaming call: emits each response; completes when the server ends the stream. */
  serverStream<Req, Res>(def: MethodDef<Req, Res, false, true>, codec: Codec<Req>): SingleRequestCall<Req, Res> {
    return this.singleRequest<Req, Res>(def.path, codec, (message, ctl, subscriber) => {
      const stream = this.client.makeServerStreamRequest(
        def.path,
        def.requestSerialize,
        def.responseDeserialize,
        message,
        ctl.metadata,
        ctl.options,
      );
      return ctl.attach(pipeResponses(stream, ctl, subscriber));
    });
  }

  /**
   * A call taking one request (unary or server-streaming): captures the call site, encodes the
   * request (InvalidArgumentError without an RPC when it cannot be), then `start`s the call.
   */
  private singleRequest<Req, Res>(
    path: string,
    codec: Codec<Req>,
    start: (message: Req, ctl: CallControl<Res>, subscriber: Subscriber<Res>) => (() => void) | void,
  ): SingleRequestCall<Req, Res> {
    const call: SingleRequestCall<Req, Res> = (request, options) => {
      const site = captureCallSite(call);
      return this.observe<Res>(path, site, options, (ctl, subscriber) => {
        const message = encode(codec, request, path);
        if (ContainerdError.is(message)) return ctl.fail(message);
        return start(message, ctl, subscriber);
      });
    };
    return call;
  }

  /** Client-streaming call: sends what `requests` emits, emits the single response. */
  clientStream<Req, Res>(def: MethodDef<Req, Res, true, false>, codec: Codec<Req>): StreamRequestCall<Req, Res> {
    const call: StreamRequestCall<Req, Res> = (requests, options) => {
      const site = captureCallSite(call);
      return this.observe<Res>(def.path, site, options, (ctl, subscriber) => {
        const stream = withoutStackCapture(() =>
          this.client.makeClientStreamRequest(
            def.path,
            def.requestSerialize,
            def.responseDeserialize,
            ctl.metadata,
            ctl.options,
            singleResponse(ctl, subscriber),
          ),
        );
        const input = pipeRequests(requests, codec, def.path, stream, ctl);
        const cancel = ctl.attach(stream);
        return () => {
          input.unsubscribe();
          cancel();
        };
      });
    };
    return call;
  }

  /** Bidirectional call: sends what `requests` emits, emits every response. */
  bidi<Req, Res>(def: MethodDef<Req, Res, true, true>, codec: Codec<Req>): StreamRequestCall<Req, Res> {
    const call: StreamRequestCall<Req, Res> = (requests, options) => {
      const site = captureCallSite(call);
      return this.observe<Res>(def.path, site, options, (ctl, subscriber) => {
        const stream = this.client.makeBidiStreamRequest(
          def.path,
          def.requestSerialize,
          def.responseDeserialize,
          ctl.metadata,
          ctl.options,
        );
        const cancel = ctl.attach(pipeResponses(stream, ctl, subscriber));
        const input = pipeRequests(requests, codec, def.path, stream, ctl);
        return () => {
          input.unsubscribe();
          cancel();
        };
      });
    };
    return call;
  }

  private observe<Res>(
    path: string,
    site: CallSite,
    options: CallOptions | undefined,
    start: (ctl: CallControl<Res>, subscriber: Subscriber<Res>) => (() => void) | void,
  ): Observable<Res> {
    return new Observable<Res>((subscriber) => {
      const ctl = CallControl.open(path, site, subscriber, this.defaults, options, this.calls);
      if (!ctl) return undefined;
      try {
        return start(ctl, subscriber);
      } catch (e) {
        ctl.failIssue(e);
        return undefined;
      }
    });
  }
}

function encode<Req>(codec: Codec<Req>, request: MessageInit<Req> | undefined, path: string): Req | ContainerdError {
  try {
    return codec.fromPartial(request ?? ({} as MessageInit<Req>));
  } catch (e) {
    return new InvalidArgumentError(`${path}: invalid request: ${e instanceof Error ? e.message : String(e)}`, {
      cause: e,
    });
  }
}

/** The callback of a call with one response (unary, client stream): emit it and complete, or fail. */
function singleResponse<Res>(ctl: CallControl<Res>, subscriber: Subscriber<Res>) {
  return (err: ServiceError | null, res?: Res) => {
    if (err) return ctl.fail(err);
    ctl.finish();
    subscriber.next(res as Res);
    subscriber.complete();
  };
}

function pipeResponses<Res>(stream: ClientReadableStream<Res>, ctl: CallControl<Res>, subscriber: Subscriber<Res>) {
  stream.on("data", (res: Res) => subscriber.next(res));
  stream.on("error", (err: ServiceError) => ctl.fail(err));
  stream.on("end", () => {
    if (ctl.failed) return;
    ctl.finish();
    subscriber.complete();
  });
  return stream;
}

function pipeRequests<Req, Res>(
  requests: Observable<MessageInit<Req>>,
  codec: Codec<Req>,
  path: string,
  stream: ClientWritableStream<Req>,
  ctl: CallControl<Res>,
): Subscription {
  return requests.subscribe({
    next: (request) => {
      const message = encode(codec, request, path);
      if (ContainerdError.is(message)) {
        stream.cancel();
        ctl.fail(message);
      } else {
        stream.write(message);
      }
    },
    error: (err: unknown) => {
      stream.cancel();
      ctl.fail(ContainerdError.from(err, { method: path }));
    },
    complete: () => stream.end(),
  });
}
