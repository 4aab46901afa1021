// One-line Observable wrappers over Images's RPCs; all plumbing lives in Rpc.
import {
  CreateImageRequest,
  DeleteImageRequest,
  GetImageRequest,
  ImagesService,
  ListImagesRequest,
  UpdateImageRequest,
} from "../../generated/github.com/containerd/containerd/api/services/images/v1/images.js";
import type { Rpc } from "./rpc.js";

/**
 * `containerd.services.images.v1.Images` as Observables. Every method is cold: it issues the RPC when subscribed (once per
 * subscription), emits the response (streaming methods: each message, then complete), cancels the
 * call on unsubscribe, and reports failures as `ContainerdError` subclasses (`NotFoundError`, …).
 * Requests take any subset of the message's fields; options are the trailing `CallOptions`.
 *
 * @example
 * ```ts
 * client.services.images.get$({ name: "docker.io/library/busybox:latest" }).subscribe((r) => console.log(r.image?.target));
 * ```
 */
export function imagesApi(rpc: Rpc) {
  return {
    /** `Get` — Get returns an image by name. (emits the response). */
    get$: rpc.unary(ImagesService.get, GetImageRequest),
    /** `List` — List returns a list of all images known to containerd. (emits the response). */
    list$: rpc.unary(ImagesService.list, ListImagesRequest),
    /** `Create` — Create an image record in the metadata store.  The name of the image must be unique. (emits the response). */
    create$: rpc.unary(ImagesService.create, CreateImageRequest),
    /** `Update` — Update assigns the name to a given target image based on the provided image. (emits the response). */
    update$: rpc.unary(ImagesService.update, UpdateImageRequest),
    /** `Delete` — Delete deletes the image by name. (emits the response). */
    delete$: rpc.unary(ImagesService.delete, DeleteImageRequest),
  };
}

/** The methods of `imagesApi`. */
export type ImagesApi = ReturnType<typeof imagesApi>;
