// OCI / Docker media types and the containerd conventions around them (GC labels, image names).
import { InvalidArgumentError } from "../../errors/containerd-error.js";
import {
  MEDIA_TYPE_DOCKER_MANIFEST,
  MEDIA_TYPE_DOCKER_MANIFEST_LIST,
  MEDIA_TYPE_OCI_CONFIG,
  MEDIA_TYPE_OCI_INDEX,
  MEDIA_TYPE_OCI_MANIFEST,
} from "./media-types.js";
import { parseReference } from "./reference.js";

export const MEDIA_DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json";
export const MEDIA_DOCKER_LAYER = "application/vnd.docker.image.rootfs.diff.tar";
export const MEDIA_DOCKER_LAYER_GZIP = "application/vnd.docker.image.rootfs.diff.tar.gzip";

/** Image index / manifest list media types. */
export const INDEX_MEDIA_TYPES: ReadonlySet<string> = new Set([MEDIA_TYPE_OCI_INDEX, MEDIA_TYPE_DOCKER_MANIFEST_LIST]);
/** Image manifest media types. */
export const MANIFEST_MEDIA_TYPES: ReadonlySet<string> = new Set([MEDIA_TYPE_OCI_MANIFEST, MEDIA_TYPE_DOCKER_MANIFEST]);
/** Image config media types. */
export const CONFIG_MEDIA_TYPES: ReadonlySet<string> = new Set([MEDIA_TYPE_OCI_CONFIG, MEDIA_DOCKER_CONFIG]);
/** Layer media types Diff.Apply understands (tar, gzip; nondistributable variants). */
export const LAYER_MEDIA_TYPES: ReadonlySet<string> = new Set([
  "application/vnd.oci.image.layer.v1.tar",
  "application/vnd.oci.image.layer.v1.tar+gzip",
  "application/vnd.oci.image.layer.v1.tar+zstd",
  "application/vnd.oci.image.layer.nondistributable.v1.tar",
  "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
  "application/vnd.docker.image.rootfs.diff.tar",
  "application/vnd.docker.image.rootfs.diff.tar.gzip",
  "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
]);

const SHA256_DIGEST = /^sha256:[0-9a-f]{64}$/;

/** Whether `d` is a digest the content store takes: `sha256:` and 64 lowercase hex digits. */
export function isSha256Digest(d: unknown): d is string {
  return typeof d === "string" && SHA256_DIGEST.test(d);
}

/** InvalidArgumentError unless `d` {@link isSha256Digest}. @internal */
export function sha256DigestError(d: unknown): InvalidArgumentError | undefined {
  return isSha256Digest(d)
    ? undefined
    : new InvalidArgumentError(`invalid digest ${JSON.stringify(d)} (want sha256:<64 hex>)`);
}

/** Annotation containerd puts on index entries: the full image name. */
export const ANNOTATION_IMAGE_NAME = "io.containerd.image.name";
/** OCI annotation: the reference name (usually the tag). */
export const ANNOTATION_REF_NAME = "org.opencontainers.image.ref.name";
/** Content label: the uncompressed digest (diff ID) of a layer blob. */
export const LABEL_UNCOMPRESSED = "containerd.io/uncompressed";
/** Content label prefix pointing the GC from a config blob to the image's unpacked snapshot. */
export const LABEL_GC_SNAPSHOT_PREFIX = "containerd.io/gc.ref.snapshot.";

/** An OS/architecture pair. */
export type { Platform } from "./media-types.js";
export { DEFAULT_PLATFORM, platformMatches } from "./platforms.js";

/**
 * containerd's GC labels on a parent blob pointing at its children (`images.ChildGCLabels`):
 * `containerd.io/gc.ref.content.config` for a config, `….m.<i>` for manifests, `….l.<i>` for
 * layers, `….<i>` otherwise (i = the child's position among the parent's children).
 */
export function childGcLabels(
  children: readonly { readonly mediaType: string; readonly digest: string }[],
): Record<string, string> {
  const labels: Record<string, string> = {};
  children.forEach((c, i) => {
    if (CONFIG_MEDIA_TYPES.has(c.mediaType)) labels["containerd.io/gc.ref.content.config"] = c.digest;
    else if (MANIFEST_MEDIA_TYPES.has(c.mediaType)) labels[`containerd.io/gc.ref.content.m.${i}`] = c.digest;
    else if (LAYER_MEDIA_TYPES.has(c.mediaType)) labels[`containerd.io/gc.ref.content.l.${i}`] = c.digest;
    else labels[`containerd.io/gc.ref.content.${i}`] = c.digest;
  });
  return labels;
}

/**
 * Docker's reference normalisation, the one the whole library uses (it is
 * `parseReference(ref).string`): `docker.io/library/` for official images, `index.docker.io` →
 * `docker.io`, and `:latest` when there is neither tag nor digest. `busybox` →
 * `docker.io/library/busybox:latest`, `me/app:1` → `docker.io/me/app:1`, `ghcr.io/x/y` →
 * `ghcr.io/x/y:latest`. Import names a docker-save archive's images this way, one per
 * `RepoTags` entry, as containerd's importer does. Throws {@link InvalidArgumentError} for a
 * malformed reference (upper-case repository, bad tag or digest…), which import reports instead
 * of naming an image after it.
 *
 * @example
 * ```ts
 * normalizeReference("busybox:1.36"); // "docker.io/library/busybox:1.36"
 * ```
 */
export function normalizeReference(ref: string): string {
  return parseReference(ref).string;
}

/** The OCI ref-name of a full reference: its tag (`docker.io/library/busybox:1.36` → `1.36`), or "" if it has none. */
export function ociRefName(name: string): string {
  const at = name.indexOf("@");
  const base = at < 0 ? name : name.slice(0, at);
  const lastPart = base.slice(base.lastIndexOf("/") + 1);
  const colon = lastPart.indexOf(":");
  return colon < 0 ? "" : lastPart.slice(colon + 1);
}
