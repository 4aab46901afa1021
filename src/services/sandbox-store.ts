// One-line Observable wrappers over Sandbox Store's RPCs; all plumbing lives in Rpc.
import {
  StoreCreateRequest,
  StoreDeleteRequest,
  StoreGetRequest,
  StoreListRequest,
  StoreService,
  StoreUpdateRequest,
} from "../../generated/github.com/containerd/containerd/api/services/sandbox/v1/sandbox.js";
import type { Rpc } from "./rpc.js";

/**
 * `containerd.services.sandbox.v1.Store` as Observables. Every method is cold: it issues the RPC when subscribed (once per
 * subscription), emits the response (streaming methods: each message, then complete), cancels the
 * call on unsubscribe, and reports failures as `ContainerdError` subclasses (`NotFoundError`, …).
 * Requests take any subset of the message's fields; options are the trailing `CallOptions`.
 * containerd ≥ 1.7: an older daemon answers `NotImplementedError` (unknown service).
 *
 * @example
 * ```ts
 * client.services.sandboxStore.list$({}).subscribe((r) => console.log(r.list.map((s) => s.sandboxId)));
 * ```
 */
export function sandboxStoreApi(rpc: Rpc) {
  return {
    /** `Create` — stores a new sandbox record (emits the response). */
    create$: rpc.unary(StoreService.create, StoreCreateRequest),
    /** `Update` — updates a sandbox record's fields (emits the response). */
    update$: rpc.unary(StoreService.update, StoreUpdateRequest),
    /** `Delete` — removes a sandbox record (emits the response). */
    delete$: rpc.unary(StoreService.delete, StoreDeleteRequest),
    /** `List` — lists sandbox records, optionally filtered (emits the response). */
    list$: rpc.unary(StoreService.list, StoreListRequest),
    /** `Get` — one sandbox record by id (emits the response). */
    get$: rpc.unary(StoreService.get, StoreGetRequest),
  };
}

/** The methods of `sandboxStoreApi`. */
export type SandboxStoreApi = ReturnType<typeof sandboxStoreApi>;
