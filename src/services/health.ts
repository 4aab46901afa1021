// One-line Observable wrappers over Health's RPCs; all plumbing lives in Rpc.
import { HealthCheckRequest, HealthListRequest, HealthService } from "../../generated/grpc/health/v1/health.js";
import type { Rpc } from "./rpc.js";

/**
 * `grpc.health.v1.Health` as Observables. Every method is cold: it issues the RPC when subscribed (once per
 * subscription), emits the response (streaming methods: each message, then complete), cancels the
 * call on unsubscribe, and reports failures as `ContainerdError` subclasses (`NotFoundError`, …).
 * Requests take any subset of the message's fields; options are the trailing `CallOptions`.
 *
 * @example
 * ```ts
 * client.services.health.check$({ service: "" }).subscribe((r) => console.log(r.status));
 * ```
 */
export function healthApi(rpc: Rpc) {
  return {
    /** `Check` — If the requested service is unknown, the call will fail with status NOT_FOUND. (emits the response). */
    check$: rpc.unary(HealthService.check, HealthCheckRequest),
    /** `List` — the serving status of every service the server knows (newer gRPC health protocol; a server without it answers `NotImplementedError`) (emits the response). */
    list$: rpc.unary(HealthService.list, HealthListRequest),
    /** `Watch` — Performs a watch for the serving status of the requested service. The server will immediately send back a message indicating the current serving status.  It will then subsequently send a new message whenever the service's serving status changes.  If the requested service is unknown when the call is received, the server will send a message setting the serving status to SERVICE_UNKNOWN but will *not* terminate the call.  If at some future point, the serving status of the service becomes known, the server will send a new message with the service's serving status.  If the call terminates with status UNIMPLEMENTED, then clients should assume this method is not supported and should not retry the call.  If the call terminates with any other status (including OK), clients should retry the call with appropriate exponential backoff. (emits each streamed message). */
    watch$: rpc.serverStream(HealthService.watch, HealthCheckRequest),
  };
}

/** The methods of `healthApi`. */
export type HealthApi = ReturnType<typeof healthApi>;
