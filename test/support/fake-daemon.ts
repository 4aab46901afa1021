// An in-process grpc-js server on a temp unix socket, implementing just enough of containerd's
// services to exercise the adapter for real over the wire (no mocking of grpc-js).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  Metadata,
  Server,
  ServerCredentials,
  status,
  type ServerDuplexStream,
  type ServerUnaryCall,
  type ServerWritableStream,
  type sendUnaryData,
  type ServerReadableStream,
  type UntypedServiceImplementation,
  type ServiceDefinition,
} from "@grpc/grpc-js";
import { VersionService } from "../../generated/github.com/containerd/containerd/api/services/version/v1/version.js";
import {
  GetRequest,
  GetResponse,
  TasksService,
  WaitRequest,
  WaitResponse,
} from "../../generated/github.com/containerd/containerd/api/services/tasks/v1/tasks.js";
import {
  EventsService,
  SubscribeRequest,
} from "../../generated/github.com/containerd/containerd/api/services/events/v1/events.js";
import { Envelope } from "../../generated/github.com/containerd/containerd/api/types/event.js";
import {
  ContentService,
  WriteContentRequest,
  WriteContentResponse,
  WriteAction,
} from "../../generated/github.com/containerd/containerd/api/services/content/v1/content.js";
import { Status } from "../../generated/google/rpc/status.js";
import {
  GetImageRequest,
  GetImageResponse,
  ImagesService,
} from "../../generated/github.com/containerd/containerd/api/services/images/v1/images.js";
import { Empty } from "../../generated/google/protobuf/empty.js";
import Long from "long";

/** A client-streaming method containerd does not have, to exercise that call kind. */
export const CollectMethod = {
  path: "/rxcontainerd.test.Test/Collect" as const,
  requestStream: true as const,
  responseStream: false as const,
  requestSerialize: (v: GetRequest): Buffer => Buffer.from(GetRequest.encode(v).finish()),
  requestDeserialize: (b: Buffer): GetRequest => GetRequest.decode(b),
  responseSerialize: (v: GetRequest): Buffer => Buffer.from(GetRequest.encode(v).finish()),
  responseDeserialize: (b: Buffer): GetRequest => GetRequest.decode(b),
};

export interface Seen {
  method: string;
  metadata: Record<string, string[]>;
  deadline: number;
}

export interface FakeDaemon {
  address: string;
  /** Every call the server received, in order. */
  seen: Seen[];
  /** Resolves with the method path the next time the server observes a client cancellation. */
  nextCancel(): Promise<string>;
  /** Number of cancellations observed. */
  cancels: number;
  close(): Promise<void>;
}

function record(seen: Seen[], method: string, md: Metadata, deadline: Date | number): void {
  const metadata: Record<string, string[]> = {};
  for (const k of Object.keys(md.getMap())) metadata[k] = md.get(k).map(String);
  seen.push({ method, metadata, deadline: typeof deadline === "number" ? deadline : deadline.getTime() });
}

/**
 * Tasks.Get behaviour is chosen by the container id:
 * - `ok`: answers with a process whose id echoes the namespace header;
 * - `code-N[-suffix]`: fails with status N and details "boom" + suffix (suffix `conflict` gives
 *   "...: conflict", `notmodified` gives "...: not modified"), with a google.rpc.Status detail;
 * - `running`: a running process (status RUNNING, pid 7);
 * - `hang`: never answers (until cancelled or the deadline).
 */
export async function startFakeDaemon(): Promise<FakeDaemon> {
  const dir = mkdtempSync(join(tmpdir(), "rxc-fake-"));
  const socket = join(dir, "fake.sock");
  const server = new Server();
  const seen: Seen[] = [];
  let waiters: ((m: string) => void)[] = [];
  const state = { cancels: 0 };
  const onCancel = (call: { on(ev: "cancelled", cb: () => void): unknown }, method: string) => {
    call.on("cancelled", () => {
      state.cancels++;
      const w = waiters;
      waiters = [];
      w.forEach((resolve) => resolve(method));
    });
  };

  const tasks: UntypedServiceImplementation = {
    get: (call: ServerUnaryCall<GetRequest, GetResponse>, cb: sendUnaryData<GetResponse>) => {
      record(seen, "get", call.metadata, call.getDeadline());
      onCancel(call, "get");
      const id = call.request.containerId;
      if (id === "running") {
        cb(null, GetResponse.fromPartial({ process: { id: "running", containerId: "running", pid: 7, status: 2 } }));
      } else if (id === "ok") {
        const ns = String(call.metadata.get("containerd-namespace")[0] ?? "");
        cb(null, GetResponse.fromPartial({ process: { id: ns, containerId: "ok", pid: 42 } }));
      } else if (id.startsWith("code-")) {
        const [, n, suffix] = id.split("-");
        const code = Number(n);
        const details = `boom${suffix === "conflict" ? ": conflict" : suffix === "notmodified" ? ": not modified" : ""}`;
        const trailer = new Metadata();
        trailer.set(
          "grpc-status-details-bin",
          Buffer.from(
            Status.encode(
              Status.fromPartial({
                code,
                message: details,
                details: [{ typeUrl: "type.googleapis.com/test.Detail", value: Buffer.from([1, 2, 3]) }],
              }),
            ).finish(),
          ),
        );
        trailer.set("x-trailer", "t1");
        cb({ code, details, metadata: trailer });
      }
      // "hang": never answer.
    },
    wait: (call: ServerUnaryCall<WaitRequest, WaitResponse>, _cb: sendUnaryData<WaitResponse>) => {
      record(seen, "wait", call.metadata, call.getDeadline());
      onCancel(call, "wait");
    },
  };
  const version: UntypedServiceImplementation = {
    version: (call: ServerUnaryCall<Empty, unknown>, cb: sendUnaryData<unknown>) => {
      record(seen, "version", call.metadata, call.getDeadline());
      cb(null, { version: "fake", revision: "r1" });
    },
  };
  const events: UntypedServiceImplementation = {
    subscribe: (call: ServerWritableStream<SubscribeRequest, Envelope>) => {
      record(seen, "subscribe", call.metadata, call.getDeadline());
      onCancel(call, "subscribe");
      let n = 0;
      const timer = setInterval(() => {
        call.write(Envelope.fromPartial({ namespace: "ns", topic: `/test/${n++}`, timestamp: new Date() }));
        if (call.request.filters.includes("finite") && n === 3) {
          clearInterval(timer);
          call.end();
        }
      }, 5);
      call.on("cancelled", () => clearInterval(timer));
    },
  };
  const content: UntypedServiceImplementation = {
    write: (call: ServerDuplexStream<WriteContentRequest, WriteContentResponse>) => {
      record(seen, "write", call.metadata, call.getDeadline());
      onCancel(call, "write");
      let total = 0;
      call.on("data", (req: WriteContentRequest) => {
        total += req.data.length;
        call.write(
          WriteContentResponse.fromPartial({
            action: WriteAction.WRITE,
            offset: Long.fromNumber(total),
            total: req.total,
          }),
        );
      });
      call.on("end", () => call.end());
    },
  };
  // Images.Get: the image "hang" never answers; any other name is NotFound.
  const images: UntypedServiceImplementation = {
    get: (call: ServerUnaryCall<GetImageRequest, GetImageResponse>, cb: sendUnaryData<GetImageResponse>) => {
      record(seen, "images.get", call.metadata, call.getDeadline());
      onCancel(call, "images.get");
      if (call.request.name !== "hang")
        cb({ code: status.NOT_FOUND, details: `image "${call.request.name}": not found` });
    },
  };
  const collect: UntypedServiceImplementation = {
    collect: (call: ServerReadableStream<GetRequest, GetRequest>, cb: sendUnaryData<GetRequest>) => {
      record(seen, "collect", call.metadata, call.getDeadline());
      onCancel(call, "collect");
      const ids: string[] = [];
      call.on("data", (r: GetRequest) => ids.push(r.containerId));
      call.on("end", () =>
        cb(null, GetRequest.fromPartial({ containerId: ids.join(","), execId: String(ids.length) })),
      );
    },
  };
  server.addService(TasksService as unknown as ServiceDefinition, tasks);
  server.addService(VersionService as unknown as ServiceDefinition, version);
  server.addService(EventsService as unknown as ServiceDefinition, events);
  server.addService(ContentService as unknown as ServiceDefinition, content);
  server.addService(ImagesService as unknown as ServiceDefinition, images);
  server.addService({ collect: CollectMethod } as unknown as ServiceDefinition, collect);
  await new Promise<void>((resolve, reject) =>
    server.bindAsync(`unix:${socket}`, ServerCredentials.createInsecure(), (err) => (err ? reject(err) : resolve())),
  );
  return {
    address: socket,
    seen,
    get cancels() {
      return state.cancels;
    },
    nextCancel: () => new Promise<string>((resolve) => waiters.push(resolve)),
    close: () =>
      new Promise<void>((resolve) =>
        server.tryShutdown(() => {
          rmSync(dir, { recursive: true, force: true });
          resolve();
        }),
      ),
  };
}

export { status };
