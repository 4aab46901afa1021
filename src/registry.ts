// rxcontainerd/registry: the HTTP client for OCI distribution v2 registries (what images.pull$ and
// images.push$ use), for code that talks to a registry without containerd. An explicit barrel.

export { Registry } from "./observables/registry/registry.js";
export { RegistryClient } from "./observables/registry/registry-client.js";
export type { RegistryClientOptions, RepositoryRequest } from "./observables/registry/registry-client.js";
export {
  Authorizer,
  MAX_TOKEN_RESPONSE,
  basicHeader,
  normalizeHostKey,
  repositoryScope,
} from "./observables/registry/auth.js";
export type {
  AuthorizerOptions,
  CredentialsAnswer,
  CredentialsLookup,
  RegistryAuth,
  RegistryCredentials,
} from "./observables/registry/auth.js";
export { dockerConfigAuth, dockerConfigPath } from "./observables/registry/docker-config.js";
export type { DockerConfigAuthOptions } from "./observables/registry/docker-config.js";
export { findChallenge, parseWWWAuthenticate } from "./observables/registry/www-authenticate.js";
export type { AuthChallenge } from "./observables/registry/www-authenticate.js";
export { fetchManifest$, resolve$, resolveManifest$ } from "./observables/registry/resolve.js";
export type {
  FetchedManifest,
  ResolveManifestOptions,
  Resolved,
  ResolvedManifest,
} from "./observables/registry/resolve.js";
export { fetchBlob$ } from "./observables/registry/fetch.js";
export type { FetchBlobOptions } from "./observables/registry/fetch.js";
export { blobExists$, pushBlob$, pushManifest$, tagManifest$ } from "./observables/registry/push.js";
export type { PushBlobOptions, PushResult, RangeSource } from "./observables/registry/push.js";
export { Limiter } from "./observables/registry/limiter.js";
export { classForHttpStatus, parseErrorBody } from "./observables/registry/http-errors.js";
export type { RegistryErrorEntry } from "./observables/registry/http-errors.js";
export { MANIFEST_ACCEPT, MAX_MANIFEST_SIZE } from "./observables/oci/media-types.js";
