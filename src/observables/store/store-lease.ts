import type { Tx } from "../transaction.js";
import { newLeaseId } from "./leases.js";
import type { StoreContext } from "./store-context.js";

const TTL_MS = 24 * 3600 * 1000;

/**
 * A temporary lease for the rest of a store transaction (unpack, import): created now, deleted
 * in the transaction's `finally` — with `sync` (GC runs before the Observable settles) when
 * `syncDelete` — and expiring after 24 h if the client dies first. Returns its id.
 * @internal
 */
export async function storeLease(tx: Tx, ctx: StoreContext, syncDelete = false): Promise<string> {
  const id = newLeaseId();
  const call = { namespace: ctx.namespace };
  await tx.step(ctx.services.leases.create$({ id, labels: { "containerd.io/gc.expire": new Date(Date.now() + TTL_MS).toISOString() } }, call));
  tx.onFinally(() => ctx.services.leases.delete$({ id, sync: syncDelete }, call));
  return id;
}
