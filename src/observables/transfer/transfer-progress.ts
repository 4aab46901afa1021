import type { StreamMessage } from "../../services/transfer-payloads.js";
import type { ImageProgress } from "../images/image.js";

/**
 * A stage of a daemon-side transfer that has no {@link ImageProgress} counterpart, as the daemon
 * reports it: `Resolving from …`, `Pulling from …`, `fetching image content`, `saved` (with the
 * image `name`), `Completed pull from …`, `Importing`, `Exporting`, ….
 *
 * @example
 * ```ts
 * client.transfer.pull$("127.0.0.1:5000/library/busybox:latest").subscribe((p) => {
 *   if (p.type === "status") console.log("daemon:", p.event, p.name ?? "");
 * });
 * ```
 */
export interface TransferStatus {
  readonly type: "status";
  readonly event: string;
  readonly name?: string;
}

/**
 * What the `client.transfer` operations emit: the same {@link ImageProgress} events as
 * `client.images` (`downloading`, `uploading`, `done`) plus the daemon's stage messages
 * ({@link TransferStatus}).
 *
 * @example
 * ```ts
 * client.transfer.pull$("127.0.0.1:5000/library/busybox:latest").subscribe((p: TransferProgress) => {
 *   if (p.type === "downloading") console.log(p.digest, p.bytes, "/", p.total);
 *   if (p.type === "done") console.log("pulled", p.image.name);
 * });
 * ```
 */
export type TransferProgress = ImageProgress | TransferStatus;

/** Which way blobs move: `in` (pull, import) reports `downloading`, `out` (push) reports `uploading`. */
export type TransferDirection = "in" | "out" | "none";

const BLOB_EVENTS = new Set(["waiting", "downloading", "uploading", "complete", "already exists"]);

/**
 * Maps one daemon `Progress` message to a {@link TransferProgress}: per-blob events (`waiting`,
 * `downloading`/`uploading`, `complete`, `already exists`) become `downloading` (`in`) or
 * `uploading` (`out`, `existed` for blobs the registry had); everything else is a `status`.
 *
 * @example
 * ```ts
 * mapProgress("in", { type: "progress", event: "complete", name: "layer", parents: [], progress: 5, total: 5,
 *   desc: { mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", digest: "sha256:…", size: 5 } });
 * // { type: "downloading", digest: "sha256:…", bytes: 5, total: 5 }
 * ```
 */
export function mapProgress(
  direction: TransferDirection,
  p: Extract<StreamMessage, { type: "progress" }>,
): TransferProgress {
  if (p.desc && direction !== "none" && BLOB_EVENTS.has(p.event)) {
    const total = p.total > 0 ? p.total : p.desc.size;
    const finished = p.event === "complete" || p.event === "already exists";
    const bytes = finished ? total : p.event === "waiting" ? 0 : p.progress;
    if (direction === "in") return { type: "downloading", digest: p.desc.digest, bytes, total };
    return {
      type: "uploading",
      digest: p.desc.digest,
      bytes,
      total,
      ...(p.event === "already exists" ? { existed: true } : {}),
    };
  }
  return { type: "status", event: p.event, ...(p.name ? { name: p.name } : {}) };
}
