// One-line Observable wrappers over Namespaces's RPCs; all plumbing lives in Rpc.
import {
  CreateNamespaceRequest,
  DeleteNamespaceRequest,
  GetNamespaceRequest,
  ListNamespacesRequest,
  NamespacesService,
  UpdateNamespaceRequest,
} from "../../generated/github.com/containerd/containerd/api/services/namespaces/v1/namespace.js";
import type { Rpc } from "./rpc.js";

/**
 * `containerd.services.namespaces.v1.Namespaces` as Observables. Every method is cold: it issues the RPC when subscribed (once per
 * subscription), emits the response (streaming methods: each message, then complete), cancels the
 * call on unsubscribe, and reports failures as `ContainerdError` subclasses (`NotFoundError`, …).
 * Requests take any subset of the message's fields; options are the trailing `CallOptions`.
 *
 * @example
 * ```ts
 * client.services.namespaces.list$().subscribe((r) => console.log(r.namespaces.map((n) => n.name)));
 * ```
 */
export function namespacesApi(rpc: Rpc) {
  return {
    /** `Get` (emits the response). */
    get$: rpc.unary(NamespacesService.get, GetNamespaceRequest),
    /** `List` (emits the response). */
    list$: rpc.unary(NamespacesService.list, ListNamespacesRequest),
    /** `Create` (emits the response). */
    create$: rpc.unary(NamespacesService.create, CreateNamespaceRequest),
    /** `Update` (emits the response). */
    update$: rpc.unary(NamespacesService.update, UpdateNamespaceRequest),
    /** `Delete` (emits the response). */
    delete$: rpc.unary(NamespacesService.delete, DeleteNamespaceRequest),
  };
}

/** The methods of `namespacesApi`. */
export type NamespacesApi = ReturnType<typeof namespacesApi>;
