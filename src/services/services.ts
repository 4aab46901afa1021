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
import { snapshotsApi, type SnapshotsApi } from "./snapshots.js";
import { tasksApi, type TasksApi } from "./tasks.js";
import { versionApi, type VersionApi } from "./version.js";

/**
 * Every containerd v1 gRPC service (plus gRPC health) as Observable methods over one channel —
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
  readonly snapshots: SnapshotsApi;
  readonly tasks: TasksApi;
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
    snapshots: snapshotsApi(rpc),
    tasks: tasksApi(rpc),
    version: versionApi(rpc),
  };
}
