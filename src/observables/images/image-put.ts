import { lastValueFrom } from "rxjs";
import { isNotFound } from "../../errors/guards.js";
import type { CallOptions } from "../../services/call-options.js";
import type { OciDescriptor } from "./image-reader.js";
import type { Tx } from "../rx/transaction.js";
import type { Image } from "./image.js";
import { toImage } from "./image-record.js";
import type { StoreContext } from "../content/store-context.js";
import { protoDescriptor } from "./unpack.js";

/**
 * Creates the image record `name` -> `target`, or re-points an existing one, with a rollback
 * (delete, or restore the previous target) if the transaction fails later. Used by import and
 * pull. @internal
 */
export async function putImage(
  tx: Tx,
  ctx: StoreContext,
  name: string,
  target: OciDescriptor,
  call: CallOptions,
): Promise<Image> {
  const t = { ...protoDescriptor(target) };
  const prev = await lastValueFrom(ctx.services.images.get$({ name }, call)).then(
    (r) => r.image,
    (e: unknown) => {
      if (isNotFound(e)) return undefined;
      throw e;
    },
  );
  if (prev) {
    const r = await tx.step(ctx.services.images.update$({ image: { name, target: t }, updateMask: ["target"] }, call));
    tx.onRollback(() =>
      ctx.services.images.update$(
        { image: { name, ...(prev.target ? { target: prev.target } : {}) }, updateMask: ["target"] },
        { namespace: ctx.namespace },
      ),
    );
    return toImage(ctx, r.image);
  }
  const r = await tx.step(ctx.services.images.create$({ image: { name, target: t } }, call));
  tx.onRollback(() => ctx.services.images.delete$({ name }, { namespace: ctx.namespace }));
  return toImage(ctx, r.image);
}
