import { randomBytes } from "node:crypto";
import type { Services } from "../services/services.js";
import type { Tx } from "./transaction.js";

/** How long a temporary lease outlives a crashed client before containerd's GC may drop it. */
const LEASE_TTL_MS = 24 * 3600 * 1000;

/**
 * Creates a lease for the rest of a transaction (deleted in its `finally`, whatever happens) and
 * returns its id, to pass as `CallOptions.lease`: what the steps create is protected from GC
 * until it is referenced by something durable (a container, an image). If the client crashes,
 * the lease expires after 24 h.
 */
export async function temporaryLease(tx: Tx, services: Services, namespace: string): Promise<string> {
  const id = `rxcontainerd-${Date.now().toString(36)}-${randomBytes(4).toString("hex")}`;
  await tx.step(services.leases.create$({ id, labels: {
    "containerd.io/gc.expire": new Date(Date.now() + LEASE_TTL_MS).toISOString(),
  } }, { namespace }));
  tx.onFinally(() => services.leases.delete$({ id }, { namespace }));
  return id;
}
