// One-line Observable wrappers over Containers's RPCs; all plumbing lives in Rpc.
import {
  ContainersService,
  CreateContainerRequest,
  DeleteContainerRequest,
  GetContainerRequest,
  ListContainersRequest,
  UpdateContainerRequest,
} from "../../generated/github.com/containerd/containerd/api/services/containers/v1/containers.js";
import type { Rpc } from "./rpc.js";

/**
 * `containerd.services.containers.v1.Containers` as Observables. Every method is cold: it issues the RPC when subscribed (once per
 * subscription), emits the response (streaming methods: each message, then complete), cancels the
 * call on unsubscribe, and reports failures as `ContainerdError` subclasses (`NotFoundError`, …).
 * Requests take any subset of the message's fields; options are the trailing `CallOptions`.
 *
 * @example
 * ```ts
 * client.services.containers.list$({ filters: ["labels.app==web"] }).subscribe((r) => console.log(r.containers.length));
 * ```
 */
export function containersApi(rpc: Rpc) {
  return {
    /** `Get` (emits the response). */
    get$: rpc.unary(ContainersService.get, GetContainerRequest),
    /** `List` (emits the response). */
    list$: rpc.unary(ContainersService.list, ListContainersRequest),
    /** `ListStream` (emits each streamed message). */
    listStream$: rpc.serverStream(ContainersService.listStream, ListContainersRequest),
    /** `Create` (emits the response). */
    create$: rpc.unary(ContainersService.create, CreateContainerRequest),
    /** `Update` (emits the response). */
    update$: rpc.unary(ContainersService.update, UpdateContainerRequest),
    /** `Delete` (emits the response). */
    delete$: rpc.unary(ContainersService.delete, DeleteContainerRequest),
  };
}

/** The methods of `containersApi`. */
export type ContainersApi = ReturnType<typeof containersApi>;
