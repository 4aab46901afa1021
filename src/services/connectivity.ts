import { connectivityState as GrpcState, type Client } from "@grpc/grpc-js";
import { Observable } from "rxjs";

type Channel = ReturnType<Client["getChannel"]>;

/** The state of the gRPC channel to the daemon (grpc-js `connectivityState`, by name). */
export type ConnectivityState = "IDLE" | "CONNECTING" | "READY" | "TRANSIENT_FAILURE" | "SHUTDOWN";

const NAMES: Readonly<Record<GrpcState, ConnectivityState>> = {
  [GrpcState.IDLE]: "IDLE",
  [GrpcState.CONNECTING]: "CONNECTING",
  [GrpcState.READY]: "READY",
  [GrpcState.TRANSIENT_FAILURE]: "TRANSIENT_FAILURE",
  [GrpcState.SHUTDOWN]: "SHUTDOWN",
};

/**
 * Watches one channel's connectivity for any number of subscribers. grpc-js offers no way to
 * withdraw a `watchConnectivityState` watcher, so this keeps at most one armed per channel: it is
 * re-armed after each change only while someone listens, and a watcher left over from the last
 * subscriber is reused by the next one instead of piling up. The deadline is `Infinity`, so no
 * timer exists: an armed watcher never keeps the process alive.
 * @internal
 */
export class ConnectivityWatch {
  private readonly listeners = new Set<(state: ConnectivityState) => void>();
  private armed = false;

  constructor(private readonly channel: Channel) {}

  /** The current state, without dialling. */
  current(): ConnectivityState {
    return NAMES[this.channel.getConnectivityState(false)];
  }

  /**
   * Cold: emits the current state on subscribe, then every change (consecutive duplicates
   * dropped); completes after SHUTDOWN. Never errors. Subscribing does not dial.
   */
  readonly states$: Observable<ConnectivityState> = new Observable<ConnectivityState>((subscriber) => {
    let last = this.current();
    subscriber.next(last);
    if (last === "SHUTDOWN") {
      subscriber.complete();
      return undefined;
    }
    const listener = (state: ConnectivityState): void => {
      if (state !== last) subscriber.next((last = state));
      if (state === "SHUTDOWN") subscriber.complete();
    };
    this.listeners.add(listener);
    this.arm();
    return () => {
      this.listeners.delete(listener);
    };
  });

  private arm(): void {
    if (this.armed) return;
    const seen = this.channel.getConnectivityState(false);
    if (seen === GrpcState.SHUTDOWN) return this.notify("SHUTDOWN");
    this.armed = true;
    this.channel.watchConnectivityState(seen, Infinity, () => {
      this.armed = false;
      const state = this.current();
      this.notify(state);
      if (state !== "SHUTDOWN" && this.listeners.size > 0) this.arm();
    });
  }

  private notify(state: ConnectivityState): void {
    for (const listener of [...this.listeners]) listener(state);
  }
}
