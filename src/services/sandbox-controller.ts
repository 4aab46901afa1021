// One-line Observable wrappers over Sandbox Controller's RPCs; all plumbing lives in Rpc.
import {
  ControllerCreateRequest,
  ControllerMetricsRequest,
  ControllerPlatformRequest,
  ControllerService,
  ControllerShutdownRequest,
  ControllerStartRequest,
  ControllerStatusRequest,
  ControllerStopRequest,
  ControllerUpdateRequest,
  ControllerWaitRequest,
} from "../../generated/github.com/containerd/containerd/api/services/sandbox/v1/sandbox.js";
import type { Rpc } from "./rpc.js";

/**
 * `containerd.services.sandbox.v1.Controller` as Observables. Every method is cold: it issues the RPC when subscribed (once per
 * subscription), emits the response (streaming methods: each message, then complete), cancels the
 * call on unsubscribe, and reports failures as `ContainerdError` subclasses (`NotFoundError`, …).
 * Requests take any subset of the message's fields; options are the trailing `CallOptions`.
 * containerd ≥ 1.7: an older daemon answers `NotImplementedError` (unknown service).
 *
 * @example
 * ```ts
 * client.services.sandboxController.status$({ sandboxId: "pod-1", sandboxer: "shim" }).subscribe(console.log);
 * ```
 */
export function sandboxControllerApi(rpc: Rpc) {
  return {
    /** `Create` — prepares a sandbox (emits the response). */
    create$: rpc.unary(ControllerService.create, ControllerCreateRequest),
    /** `Start` — starts a prepared sandbox (emits the response). */
    start$: rpc.unary(ControllerService.start, ControllerStartRequest),
    /** `Platform` — the platform a sandbox runs on (emits the response). */
    platform$: rpc.unary(ControllerService.platform, ControllerPlatformRequest),
    /** `Stop` — stops a sandbox (emits the response). */
    stop$: rpc.unary(ControllerService.stop, ControllerStopRequest),
    /** `Wait` — waits for a sandbox to exit (emits the response with its exit status). */
    wait$: rpc.unary(ControllerService.wait, ControllerWaitRequest),
    /** `Status` — a sandbox's state (emits the response). */
    status$: rpc.unary(ControllerService.status, ControllerStatusRequest),
    /** `Shutdown` — deletes a sandbox and its resources (emits the response). */
    shutdown$: rpc.unary(ControllerService.shutdown, ControllerShutdownRequest),
    /** `Metrics` — a sandbox's metrics (emits the response). */
    metrics$: rpc.unary(ControllerService.metrics, ControllerMetricsRequest),
    /** `Update` — updates a sandbox's resources or fields (emits the response). */
    update$: rpc.unary(ControllerService.update, ControllerUpdateRequest),
  };
}

/** The methods of `sandboxControllerApi`. */
export type SandboxControllerApi = ReturnType<typeof sandboxControllerApi>;
