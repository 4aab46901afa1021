// The lab's remote daemon: nginx terminating mTLS in front of the lab socket, in its own network
// namespace (scripts/lab proxy up|down; see scripts/lab-proxy). Tests start and stop it themselves.
import { execFileSync, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { TlsOptions } from "../../src/index.js";

const lab = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "scripts", "lab");

export interface LabProxy {
  /** `ip:port` of nginx inside its network namespace. */
  readonly address: string;
  /** The DNS name the server certificate also carries (not resolvable: for `tls.servername`). */
  readonly name: string;
  /** The directory of the certificates (ca.pem, client.pem, other-ca.pem, other-client.pem, …). */
  readonly dir: string;
  /** mTLS options that work: the lab CA and a client certificate it issued. */
  readonly tls: TlsOptions;
  /** A file of `dir`. */
  file(name: string): Buffer;
}

/**
 * Starts the proxy (idempotent). Returns it, or a string saying why it cannot run here (no
 * network namespaces): the caller skips with that message. Throws on any other failure.
 */
export function proxyUp(): LabProxy | string {
  const r = spawnSync("bash", [lab, "proxy", "up"], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  if (r.status === 3) return `the remote-daemon proxy needs network namespaces (ip netns): ${r.stderr.trim()}`;
  if (r.status !== 0) throw new Error(`scripts/lab proxy up failed (${r.status}): ${r.stderr}`);
  const env = Object.fromEntries(
    [...r.stdout.matchAll(/(RXC_PROXY_[A-Z_]+)=(\S+)/g)].map((m) => [m[1] as string, m[2] as string]),
  );
  const dir = env["RXC_PROXY_DIR"] ?? "";
  const file = (name: string) => readFileSync(join(dir, name));
  return {
    address: env["RXC_PROXY_ADDRESS"] ?? "",
    name: env["RXC_PROXY_NAME"] ?? "",
    dir,
    tls: { ca: file("ca.pem"), cert: file("client.pem"), key: file("client-key.pem") },
    file,
  };
}

/** Stops nginx and removes the network namespace, the veth pair and the certificates. */
export function proxyDown(): void {
  execFileSync("bash", [lab, "proxy", "down"], { stdio: "inherit" });
}
