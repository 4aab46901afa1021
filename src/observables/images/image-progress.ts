import type { OciDescriptor } from "./image-reader.js";

/**
 * Progress of image operations, generic over the image type (`ImageProgress` is
 * `ImageProgressOf<Image>`) (`import$`, `unpack$`, and a future `pull$`), a discriminated
 * union on `type`:
 * - `resolved`: the image's target descriptor is known (pull).
 * - `downloading`: bytes of a blob fetched so far (pull).
 * - `uploading`: a blob pushed (push): `bytes: 0` when it starts, `bytes: total` when done
 *   (`existed` when the registry had it already).
 * - `blob`: a blob read from an archive into the content store (import): `writing` with the
 *   bytes so far (emitted at the start and then every few MiB), then `written` or `exists`.
 * - `layer`: one layer of an unpack: `unpacked` (applied and committed now) or `exists`
 *   (the snapshot was already there, or a concurrent unpack committed it first).
 * - `done`: an image is ready (created or updated, and unpacked when asked).
 *
 * @example
 * ```ts
 * client.images.import$("/tmp/busybox.tar", { unpack: true }).subscribe((p) => {
 *   if (p.type === "layer") console.log(`layer ${p.index} ${p.state}`);
 *   if (p.type === "done") console.log("imported", p.image.name);
 * });
 * ```
 */
export type ImageProgressOf<I> =
  | { readonly type: "resolved"; readonly name: string; readonly target: OciDescriptor }
  | { readonly type: "downloading"; readonly digest: string; readonly bytes: number; readonly total: number }
  | {
      readonly type: "uploading";
      readonly digest: string;
      readonly bytes: number;
      readonly total: number;
      readonly existed?: boolean;
    }
  | {
      readonly type: "blob";
      readonly path: string;
      readonly digest?: string;
      readonly state: "writing" | "written" | "exists";
      readonly bytes: number;
      readonly total: number;
    }
  | {
      readonly type: "layer";
      readonly index: number;
      readonly chainId: string;
      readonly digest: string;
      readonly state: "unpacked" | "exists";
    }
  | { readonly type: "done"; readonly image: I };
