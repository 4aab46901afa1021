import type { CallOptions } from "../../services/call-options.js";
import type { Services } from "../../services/services.js";
import type { EventHub } from "../tasks/wait/exit-hub.js";
import type { Inflight } from "./inflight.js";
import type { BlobCache } from "../images/image-reader.js";
import type { ImageFilesCache } from "../images/image-files.js";

/** What domain objects share: the raw services, the client's event hub and the namespace. @internal */
export interface DomainContext {
  readonly services: Services;
  readonly hub: EventHub;
  readonly namespace: string;
  readonly inflight: Inflight;
  /** The daemon is on another machine: no FIFOs (see `ConnectOptions.remote`). */
  readonly remote?: boolean;
  /** Image indexes, manifests and configs already read, by digest (see `BlobCache`). */
  readonly blobs?: BlobCache;
  /** /etc/passwd and /etc/group already read out of images' layers (see `ImageFilesCache`). */
  readonly imageFiles?: ImageFilesCache;
}

/** Call options pinned to the object's namespace (a container belongs to one namespace). @internal */
export function nsOptions(ctx: DomainContext, options?: CallOptions): CallOptions {
  return { ...options, namespace: ctx.namespace };
}

/** Type URLs containerd's Go client registers for OCI runtime-spec JSON in `Any`. */
export const SPEC_TYPE_URL = "types.containerd.io/opencontainers/runtime-spec/1/Spec";
export const PROCESS_TYPE_URL = "types.containerd.io/opencontainers/runtime-spec/1/Process";
export const RESOURCES_TYPE_URL = "types.containerd.io/opencontainers/runtime-spec/1/LinuxResources";

/** JSON in a protobuf Any, as the Go client's typeurl does for OCI types. @internal */
export function jsonAny(typeUrl: string, value: unknown): { typeUrl: string; value: Buffer } {
  return { typeUrl, value: Buffer.from(JSON.stringify(value)) };
}

/** A user-supplied Any as the generated code wants it (Buffer value). @internal */
export function toAny(a: { readonly typeUrl: string; readonly value: Uint8Array }): { typeUrl: string; value: Buffer } {
  return { typeUrl: a.typeUrl, value: Buffer.from(a.value) };
}
