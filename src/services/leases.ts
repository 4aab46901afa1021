// One-line Observable wrappers over Leases's RPCs; all plumbing lives in Rpc.
import {
  AddResourceRequest,
  CreateRequest,
  DeleteRequest,
  DeleteResourceRequest,
  LeasesService,
  ListRequest,
  ListResourcesRequest,
} from "../../generated/github.com/containerd/containerd/api/services/leases/v1/leases.js";
import type { Rpc } from "./rpc.js";

/**
 * `containerd.services.leases.v1.Leases` as Observables. Every method is cold: it issues the RPC when subscribed (once per
 * subscription), emits the response (streaming methods: each message, then complete), cancels the
 * call on unsubscribe, and reports failures as `ContainerdError` subclasses (`NotFoundError`, …).
 * Requests take any subset of the message's fields; options are the trailing `CallOptions`.
 *
 * @example
 * ```ts
 * client.services.leases.create$({ id: "my-lease", labels: { "containerd.io/gc.expire": new Date(Date.now() + 3600e3).toISOString() } }).subscribe();
 * ```
 */
export function leasesApi(rpc: Rpc) {
  return {
    /** `Create` — Create creates a new lease for managing changes to metadata. A lease can be used to protect objects from being removed. (emits the response). */
    create$: rpc.unary(LeasesService.create, CreateRequest),
    /** `Delete` — Delete deletes the lease and makes any unreferenced objects created during the lease eligible for garbage collection if not referenced or retained by other resources during the lease. (emits the response). */
    delete$: rpc.unary(LeasesService.delete, DeleteRequest),
    /** `List` — List lists all active leases, returning the full list of leases and optionally including the referenced resources. (emits the response). */
    list$: rpc.unary(LeasesService.list, ListRequest),
    /** `AddResource` — AddResource references the resource by the provided lease. (emits the response). */
    addResource$: rpc.unary(LeasesService.addResource, AddResourceRequest),
    /** `DeleteResource` — DeleteResource dereferences the resource by the provided lease. (emits the response). */
    deleteResource$: rpc.unary(LeasesService.deleteResource, DeleteResourceRequest),
    /** `ListResources` — ListResources lists all the resources referenced by the lease. (emits the response). */
    listResources$: rpc.unary(LeasesService.listResources, ListResourcesRequest),
  };
}

/** The methods of `leasesApi`. */
export type LeasesApi = ReturnType<typeof leasesApi>;
