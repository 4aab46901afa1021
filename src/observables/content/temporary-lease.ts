import type { Services } from "../../services/services.js";
import { LEASE_EXPIRE_LABEL, newLeaseId } from "./leases.js";
import type { Tx } from "../rx/transaction.js";

/** How long a temporary lease outlives a crashed client before containerd's GC may drop it. */
const LEASE_TTL_MS = 24 * 3600 * 1000;

/**
 * Creates a lease for the rest of a transaction (deleted in its `finally`, whatever happens;
 * with `sync`, so GC has run before the Observable settles, when `syncDelete`) and returns its id,
 * to pass as `CallOptions.lease`: what the steps create is protected from GC until it is
 * referenced by something durable (a container, an image). If the client crashes, the lease
 * expires after 24 h. Used by `create$`, `unpack$` and `import$`.
 */
export async function temporaryLease(
  tx: Tx,
  services: Services,
  namespace: string,
  syncDelete = false,
): Promise<string> {
  const id = newLeaseId();
  await tx.step(
    services.leases.create$(
      {
        id,
        labels: {
          [LEASE_EXPIRE_LABEL]: new Date(Date.now() + LEASE_TTL_MS).toISOString(),
        },
      },
      { namespace },
    ),
  );
  tx.onFinally(() => services.leases.delete$({ id, sync: syncDelete }, { namespace }));
  return id;
}
