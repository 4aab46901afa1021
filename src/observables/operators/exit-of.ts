import type { RunEvent } from "../containers/run.js";
import type { ExitStatus } from "../tasks/exit-status.js";

/**
 * What the exit operators read: a `run$` / `lifecycle$` event stream (the `exited` event carries
 * the status) or a stream of {@link ExitStatus} (`task.wait$()`, `process.delete$()`).
 */
export type ExitSource = RunEvent | ExitStatus;

/** The exit a value reports, with its container when known; undefined for other run$ events. @internal */
export function exitOf(value: ExitSource): { status: ExitStatus; containerId?: string } | undefined {
  if ("type" in value)
    return value.type === "exited" ? { status: value.status, containerId: value.containerId } : undefined;
  return { status: value };
}
