/** How a process ended. `code` is 128+signal for a signalled process (137 = SIGKILL). */
export interface ExitStatus {
  readonly code: number;
  readonly exitedAt: Date;
}

/** containerd's process states, lower-cased as the Go client does. */
export type ProcessState = "unknown" | "created" | "running" | "stopped" | "paused" | "pausing";

/** `Status` of a task or process (Tasks.Get). `exitStatus`/`exitedAt` are meaningful once stopped. */
export interface ProcessStatus {
  readonly status: ProcessState;
  readonly exitStatus: number;
  readonly exitedAt?: Date;
}

const STATES: readonly ProcessState[] = ["unknown", "created", "running", "stopped", "paused", "pausing"];

/** Maps `containerd.v1.types.Status` numbers to {@link ProcessState}. */
export function processState(n: number): ProcessState {
  return STATES[n] ?? "unknown";
}
