import { Image, type ImageRecordInfo } from "./image.js";
import type { StoreContext } from "../content/store-context.js";

type RawImage = {
  name: string;
  labels: { [k: string]: string };
  target:
    | { mediaType: string; digest: string; size: { toNumber(): number }; annotations: { [k: string]: string } }
    | undefined;
  createdAt: Date | undefined;
  updatedAt: Date | undefined;
};

/** An Image from a generated record. @internal */
export function toImage(ctx: StoreContext, i: RawImage | undefined): Image {
  const t = i?.target;
  const record: ImageRecordInfo = {
    name: i?.name ?? "",
    labels: { ...(i?.labels ?? {}) },
    target: {
      mediaType: t?.mediaType ?? "",
      digest: t?.digest ?? "",
      size: t?.size.toNumber() ?? 0,
      ...(t && Object.keys(t.annotations).length > 0 ? { annotations: { ...t.annotations } } : {}),
    },
    ...(i?.createdAt ? { createdAt: i.createdAt } : {}),
    ...(i?.updatedAt ? { updatedAt: i.updatedAt } : {}),
  };
  return new Image(ctx, record);
}
