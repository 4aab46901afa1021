// The container's stop signal: containerd's well-known label, set from the image config's
// StopSignal (Go's WithImageStopSignal / GetOCIStopSignal) and read back (GetStopSignal).

import { map, type Observable } from "rxjs";
import { InvalidArgumentError } from "../../errors/containerd-error.js";
import type { CallOptions } from "../../services/call-options.js";
import { nsOptions, type DomainContext } from "../client/context.js";
import { parseSignal, type Signal } from "../tasks/signals.js";
import { toContainerInfo } from "./container-info.js";

/**
 * containerd's label for a container's stop signal (`StopSignalLabel`): `ctr run` sets it from
 * the image's `StopSignal` (default `SIGTERM`), and `ctr task kill`, `task.stop$()` and
 * `rxctr stop` / `kill` send it.
 *
 * @example
 * ```ts
 * client.containers.create$("web", { image, labels: { [STOP_SIGNAL_LABEL]: "SIGQUIT" } });
 * ```
 */
export const STOP_SIGNAL_LABEL = "io.containerd.image.config.stop-signal";

/** The stop signal in `labels`, or `fallback`; InvalidArgumentError for a label that is no signal. */
function stopSignalOf(labels: Readonly<Record<string, string>>, fallback: Signal): Signal {
  const value = labels[STOP_SIGNAL_LABEL];
  if (value === undefined) return fallback;
  const n = parseSignal(value);
  if (typeof n !== "number") {
    throw new InvalidArgumentError(`container label ${STOP_SIGNAL_LABEL}=${JSON.stringify(value)} is not a signal`);
  }
  return value;
}

/** Containers.Get, then the container's stop signal (GetStopSignal). @internal */
export function stopSignal$(
  ctx: DomainContext,
  containerId: string,
  fallback: Signal,
  options?: CallOptions,
): Observable<Signal> {
  return ctx.services.containers
    .get$({ id: containerId }, nsOptions(ctx, options))
    .pipe(map((r) => stopSignalOf(toContainerInfo(r.container).labels, fallback)));
}
