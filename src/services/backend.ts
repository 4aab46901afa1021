import type { Observable, SchedulerLike } from "rxjs";
import type { CallStats } from "./call-control.js";
import type { CallDefaults } from "./call-options.js";
import type { Transport } from "./connect.js";
import type { ConnectivityState } from "./connectivity.js";
import { createServices, type Services } from "./services.js";

/**
 * What a client runs on: the gRPC channel to a daemon, or (`rxcontainerd/testing`) a fake daemon
 * on a scheduler's time. Shared by a client and its `withNamespace` clients. @internal
 */
export interface Backend {
  /** The services, every call defaulting to these call options (the namespace…). */
  services(defaults: CallDefaults): Services;
  readonly connectivity$: Observable<ConnectivityState>;
  readonly stats: CallStats;
  /** Timers of the client's own machinery (the event hub), when not real time. */
  readonly scheduler?: SchedulerLike;
  /** The daemon is on another machine: FIFOs cannot reach it (see `ConnectOptions.remote`). */
  readonly remote: boolean;
  /** Cancels every call in flight (CanceledError) and fails later calls the same way. */
  cancelCalls(): void;
  /** Closes for good (after {@link cancelCalls}). */
  close(): void;
}

/** The backend of a gRPC transport. @internal */
export function grpcBackend(transport: Transport): Backend {
  return {
    services: (defaults) => createServices(transport.rpc.withDefaults(defaults)),
    connectivity$: transport.connectivity.states$,
    remote: transport.remote,
    get stats() {
      return transport.rpc.stats;
    },
    cancelCalls: () => transport.rpc.calls.closeAll(),
    close: () => transport.close(),
  };
}
