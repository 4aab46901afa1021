import { containersApi, type ContainersApi } from "./containers.js";
import { contentApi, type ContentApi } from "./content.js";
import { diffApi, type DiffApi } from "./diff.js";
import { eventsApi, type EventsApi } from "./events.js";
import { healthApi, type HealthApi } from "./health.js";
import { imagesApi, type ImagesApi } from "./images.js";
import { introspectionApi, type IntrospectionApi } from "./introspection.js";
import { leasesApi, type LeasesApi } from "./leases.js";
import { namespacesApi, type NamespacesApi } from "./namespaces.js";
import type { Rpc } from "./rpc.js";
import { sandboxControllerApi, type SandboxControllerApi } from "./sandbox-controller.js";
import { sandboxStoreApi, type SandboxStoreApi } from "./sandbox-store.js";
import { snapshotsApi, type SnapshotsApi } from "./snapshots.js";
import { streamingApi, type StreamingApi } from "./streaming.js";
import { tasksApi, type TasksApi } from "./tasks.js";
import { transferApi, type TransferApi } from "./transfer.js";
import { versionApi, type VersionApi } from "./version.js";

/**
 * Every containerd v1 gRPC service of the 2.x API (plus gRPC health) as Observable methods over one channel —
 * the raw API, for what the domain objects do not cover. Exposed as `client.services`.
 *
 * @example
 * ```ts
 * client.services.tasks.list$({}).subscribe((r) => console.log(r.tasks.map((t) => t.id)));
 * ```
 */
export interface Services {
  readonly containers: ContainersApi;
  readonly content: ContentApi;
  readonly diff: DiffApi;
  readonly events: EventsApi;
  readonly health: HealthApi;
  readonly images: ImagesApi;
  readonly introspection: IntrospectionApi;
  readonly leases: LeasesApi;
  readonly namespaces: NamespacesApi;
  /** Sandbox controller (containerd ≥ 1.7). */
  readonly sandboxController: SandboxControllerApi;
  /** Sandbox store (containerd ≥ 1.7). */
  readonly sandboxStore: SandboxStoreApi;
  readonly snapshots: SnapshotsApi;
  /** Streaming (containerd ≥ 1.7), the side channel of Transfer. */
  readonly streaming: StreamingApi;
  readonly tasks: TasksApi;
  /** Transfer (containerd ≥ 1.7). */
  readonly transfer: TransferApi;
  readonly version: VersionApi;
}

/** Builds {@link Services} over an adapter. */
export function createServices(rpc: Rpc): Services {
  return {
    containers: containersApi(rpc),
    content: contentApi(rpc),
    diff: diffApi(rpc),
    events: eventsApi(rpc),
    health: healthApi(rpc),
    images: imagesApi(rpc),
    introspection: introspectionApi(rpc),
    leases: leasesApi(rpc),
    namespaces: namespacesApi(rpc),
    sandboxController: sandboxControllerApi(rpc),
    sandboxStore: sandboxStoreApi(rpc),
    snapshots: snapshotsApi(rpc),
    streaming: streamingApi(rpc),
    tasks: tasksApi(rpc),
    transfer: transferApi(rpc),
    version: versionApi(rpc),
  };
}
