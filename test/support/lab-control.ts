// Stopping and restarting the lab daemon from a test (scripts/lab kill|start), and finding shims.
import { execFileSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const lab = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "scripts", "lab");

/** SIGKILLs the lab's containerd (shims survive). */
export function killDaemon(): void {
  execFileSync("bash", [lab, "kill"], { stdio: "inherit" });
}

/** Starts the lab's containerd again and waits until it serves. */
export function startDaemon(): void {
  execFileSync("bash", [lab, "start"], { stdio: "inherit" });
}

/** Pids of the shims serving `namespace`/`id`. */
export function shimPids(namespace: string, id: string): number[] {
  try {
    return execFileSync("pgrep", ["-f", `containerd-shim-runc-v2 -namespace ${namespace} -id ${id} `])
      .toString()
      .trim()
      .split("\n")
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}
