// One-line Observable wrappers over Content's RPCs; all plumbing lives in Rpc.
import {
  AbortRequest,
  ContentService,
  DeleteContentRequest,
  InfoRequest,
  ListContentRequest,
  ListStatusesRequest,
  ReadContentRequest,
  StatusRequest,
  UpdateRequest,
  WriteContentRequest,
} from "../../generated/github.com/containerd/containerd/api/services/content/v1/content.js";
import type { Rpc } from "./rpc.js";

/**
 * `containerd.services.content.v1.Content` as Observables. Every method is cold: it issues the RPC when subscribed (once per
 * subscription), emits the response (streaming methods: each message, then complete), cancels the
 * call on unsubscribe, and reports failures as `ContainerdError` subclasses (`NotFoundError`, …).
 * Requests take any subset of the message's fields; options are the trailing `CallOptions`.
 *
 * @example
 * ```ts
 * client.services.content.info$({ digest: "sha256:…" }).subscribe((r) => console.log(r.info?.size.toString()));
 * ```
 */
export function contentApi(rpc: Rpc) {
  return {
    /** `Info` — Info returns information about a committed object.  This call can be used for getting the size of content and checking for existence. (emits the response). */
    info$: rpc.unary(ContentService.info, InfoRequest),
    /** `Update` — Update updates content metadata.  This call can be used to manage the mutable content labels. The immutable metadata such as digest, size, and committed at cannot be updated. (emits the response). */
    update$: rpc.unary(ContentService.update, UpdateRequest),
    /** `List` — List streams the entire set of content as Info objects and closes the stream.  Typically, this will yield a large response, chunked into messages. Clients should make provisions to ensure they can handle the entire data set. (emits each streamed message). */
    list$: rpc.serverStream(ContentService.list, ListContentRequest),
    /** `Delete` — Delete will delete the referenced object. (emits the response). */
    delete$: rpc.unary(ContentService.delete, DeleteContentRequest),
    /** `Read` — Read allows one to read an object based on the offset into the content.  The requested data may be returned in one or more messages. (emits each streamed message). */
    read$: rpc.serverStream(ContentService.read, ReadContentRequest),
    /** `Status` — Status returns the status for a single reference. (emits the response). */
    status$: rpc.unary(ContentService.status, StatusRequest),
    /** `ListStatuses` — ListStatuses returns the status of ongoing object ingestions, started via Write.  Only those matching the regular expression will be provided in the response. If the provided regular expression is empty, all ingestions will be provided. (emits the response). */
    listStatuses$: rpc.unary(ContentService.listStatuses, ListStatusesRequest),
    /** `Write` — Write begins or resumes writes to a resource identified by a unique ref. Only one active stream may exist at a time for each ref.  Once a write stream has started, it may only write to a single ref, thus once a stream is started, the ref may be omitted on subsequent writes.  For any write transaction represented by a ref, only a single write may be made to a given offset. If overlapping writes occur, it is an error. Writes should be sequential and implementations may throw an error if this is required.  If expected_digest is set and already part of the content store, the write will fail.  When completed, the commit flag should be set to true. If expected size or digest is set, the content will be validated against those values. (emits each response). */
    write$: rpc.bidi(ContentService.write, WriteContentRequest),
    /** `Abort` — Abort cancels the ongoing write named in the request. Any resources associated with the write will be collected. (emits the response). */
    abort$: rpc.unary(ContentService.abort, AbortRequest),
  };
}

/** The methods of `contentApi`. */
export type ContentApi = ReturnType<typeof contentApi>;
