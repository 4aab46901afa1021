// In-process grpc-js servers for adapter tests: a server on a fresh unix socket, and a fake events
// exchange (Subscribe, and Publish echoed to every subscriber) to build small daemons from.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  Server,
  ServerCredentials,
  type sendUnaryData,
  type ServerUnaryCall,
  type ServerWritableStream,
  type ServiceDefinition,
  type UntypedServiceImplementation,
} from "@grpc/grpc-js";
import {
  EventsService,
  type PublishRequest,
  type SubscribeRequest,
} from "../../generated/github.com/containerd/containerd/api/services/events/v1/events.js";
import { Envelope } from "../../generated/github.com/containerd/containerd/api/types/event.js";

/** A service to serve: its generated definition (e.g. `VersionService`) and its handlers. */
export type Served = readonly [definition: object, implementation: UntypedServiceImplementation];

export interface SocketServer {
  /** The socket's path (connect with `unix:<address>` or as a client `address`). */
  readonly address: string;
  /** Shuts the server down and removes its temp dir. */
  close(): Promise<void>;
}

/** Serves `services` on a unix socket in a new temp dir named after `prefix`. */
export async function serveOnSocket(prefix: string, services: readonly Served[]): Promise<SocketServer> {
  const dir = mkdtempSync(join(tmpdir(), `rxc-${prefix}-`));
  const address = join(dir, "d.sock");
  const server = new Server();
  for (const [definition, implementation] of services)
    server.addService(definition as unknown as ServiceDefinition, implementation);
  await new Promise<void>((resolve, reject) =>
    server.bindAsync(`unix:${address}`, ServerCredentials.createInsecure(), (err) => (err ? reject(err) : resolve())),
  );
  return {
    address,
    close: () =>
      new Promise<void>((resolve) =>
        server.tryShutdown(() => {
          rmSync(dir, { recursive: true, force: true });
          resolve();
        }),
      ),
  };
}

export interface FakeExchangeOptions {
  /** Called with "subscribe" or "publish" on every call. */
  readonly onCall?: (method: "subscribe" | "publish") => void;
  /** A new subscriber starts receiving only after this many ms: containerd's registration race. Default 0. */
  readonly registrationDelayMs?: number;
  /** When it returns a gRPC status code, Publish fails with it. */
  readonly refusePublish?: () => number | undefined;
}

export interface FakeExchange {
  /** The Events service, to pass to {@link serveOnSocket}. */
  readonly service: Served;
  /** Sends `env` to every registered subscriber. */
  write(env: Envelope): void;
  /** Ends every stream with `code` (UNAVAILABLE: a daemon restart) and forgets the subscribers. */
  fail(code: number, details: string): void;
}

/** containerd's events exchange, small: Publish is echoed (with the caller's namespace) to every subscriber. */
export function fakeExchange(options: FakeExchangeOptions = {}): FakeExchange {
  const subscribers = new Set<ServerWritableStream<SubscribeRequest, Envelope>>();
  const ex: FakeExchange = {
    service: [
      EventsService,
      {
        subscribe: (call: ServerWritableStream<SubscribeRequest, Envelope>) => {
          options.onCall?.("subscribe");
          const delay = options.registrationDelayMs ?? 0;
          if (delay === 0) subscribers.add(call);
          const t = delay > 0 ? setTimeout(() => subscribers.add(call), delay) : undefined;
          call.on("cancelled", () => {
            clearTimeout(t);
            subscribers.delete(call);
          });
        },
        publish: (call: ServerUnaryCall<PublishRequest, unknown>, cb: sendUnaryData<unknown>) => {
          options.onCall?.("publish");
          const refused = options.refusePublish?.();
          if (refused !== undefined) return cb({ code: refused, details: "publish refused" });
          ex.write(
            Envelope.fromPartial({
              namespace: String(call.metadata.get("containerd-namespace")[0]),
              topic: call.request.topic,
              timestamp: new Date(),
              event: call.request.event,
            }),
          );
          cb(null, {});
        },
      },
    ],
    write(env) {
      for (const s of subscribers) s.write(env);
    },
    fail(code, details) {
      for (const s of [...subscribers]) s.emit("error", { code, details });
      subscribers.clear();
    },
  };
  return ex;
}
