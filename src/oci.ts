// rxcontainerd/oci: OCI image basics shared by the image store and the registry client: media
// types, references, platforms, digests, and containerd's annotation and GC labels. An explicit barrel.

export {
  ANNOTATION_IMAGE_NAME,
  ANNOTATION_REF_NAME,
  childGcLabels,
  LABEL_GC_SNAPSHOT_PREFIX,
  LABEL_UNCOMPRESSED,
  normalizeReference,
  ociRefName,
  platformMatches,
} from "./observables/oci/oci.js";
export {
  DEFAULT_TAG,
  DOCKER_DOMAIN,
  DOCKER_REGISTRY_HOST,
  checkDigest,
  digestError,
  formatReference,
  isLocalhost,
  parseReference,
  registryHost,
  tryParseReference,
} from "./observables/oci/reference.js";
export type { ImageReference } from "./observables/oci/reference.js";
export {
  MANIFEST_ACCEPT,
  MAX_MANIFEST_SIZE,
  MEDIA_TYPE_DOCKER_MANIFEST,
  MEDIA_TYPE_DOCKER_MANIFEST_LIST,
  MEDIA_TYPE_OCI_CONFIG,
  MEDIA_TYPE_OCI_INDEX,
  MEDIA_TYPE_OCI_LAYER_GZIP,
  MEDIA_TYPE_OCI_MANIFEST,
  isIndexMediaType,
  isManifestMediaType,
} from "./observables/oci/media-types.js";
export type { Descriptor, ImageIndex, ImageManifest, Platform } from "./observables/oci/media-types.js";
export {
  DEFAULT_PLATFORM,
  compatiblePlatforms,
  formatPlatform,
  hostPlatform,
  normalizePlatform,
  parsePlatform,
  platformRank,
  selectManifest,
} from "./observables/oci/platforms.js";
export type { HostInfo } from "./observables/oci/platforms.js";
export { hashFor, sha256Digest, verifyDigest } from "./observables/oci/digest.js";
export type { VerifyOptions } from "./observables/oci/digest.js";
