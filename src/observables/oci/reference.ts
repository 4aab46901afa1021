import { InvalidArgumentError } from "../../errors/containerd-error.js";

/** docker.io, the default domain of unqualified names. */
export const DOCKER_DOMAIN = "docker.io";
/** The host that actually serves docker.io's registry API. */
export const DOCKER_REGISTRY_HOST = "registry-1.docker.io";
/** The tag of a reference that names neither tag nor digest. */
export const DEFAULT_TAG = "latest";
/** Longest repository path (domain + "/" + path), as in docker's reference package. */
export const NAME_TOTAL_LENGTH_MAX = 255;

/**
 * A parsed, normalized image reference (docker's `reference.ParseDockerRef`).
 *
 * - `domain`: the registry host as named (`docker.io`, `localhost:5000`, `[::1]:5000`).
 * - `path`: the repository path inside the registry (`library/busybox`).
 * - `tag` and `digest`: either, both, or (for a name only) `tag` = `latest`.
 * - `name`: `domain/path`; `string`: the full normalized reference.
 */
export interface ImageReference {
  readonly domain: string;
  readonly path: string;
  readonly name: string;
  readonly tag: string | undefined;
  readonly digest: string | undefined;
  /** `name[:tag][@digest]`, e.g. `docker.io/library/busybox:latest`. */
  readonly string: string;
}

const alnum = "[a-z0-9]+";
const separator = "(?:[._]|__|[-]+)";
const pathComponent = `${alnum}(?:${separator}${alnum})*`;
const domainComponent = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
const ipv6 = "\\[(?:[a-fA-F0-9:]+)\\]";
const domainPattern = `(?:${domainComponent}(?:\\.${domainComponent})*|${ipv6})(?::[0-9]+)?`;
const PATH_RE = new RegExp(`^${pathComponent}(?:/${pathComponent})*$`);
const DOMAIN_RE = new RegExp(`^${domainPattern}$`);
const TAG_RE = /^[\w][\w.-]{0,127}$/;
const DIGEST_RE = /^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$/;
const ANCHORED_ID_RE = /^[a-f0-9]{64}$/;
const DIGEST_HEX_LENGTH: Readonly<Record<string, number>> = { sha256: 64, sha384: 96, sha512: 128 };

/**
 * Validates a content digest (`sha256:<64 lowercase hex>`, also sha384/sha512), like go-digest's
 * `Validate`. Returns the error instead of throwing it.
 */
export function digestError(digest: string): InvalidArgumentError | undefined {
  if (!DIGEST_RE.test(digest)) return new InvalidArgumentError(`invalid digest ${JSON.stringify(digest)}`);
  const [alg = "", hex = ""] = digest.split(":");
  const want = DIGEST_HEX_LENGTH[alg];
  if (want === undefined) return new InvalidArgumentError(`unsupported digest algorithm ${JSON.stringify(alg)}`);
  if (hex.length !== want || !/^[0-9a-f]+$/.test(hex)) {
    return new InvalidArgumentError(
      `invalid ${alg} digest ${JSON.stringify(digest)}: want ${want} lowercase hex digits`,
    );
  }
  return undefined;
}

/** Throws {@link InvalidArgumentError} unless `digest` is a valid digest; returns it otherwise. */
export function checkDigest(digest: string): string {
  const err = digestError(digest);
  if (err) throw err;
  return digest;
}

/**
 * Parses and normalizes an image reference the way docker and containerd do
 * (`reference.ParseDockerRef`): an unqualified name goes to `docker.io`, a single-component
 * docker.io name gets `library/`, `index.docker.io` becomes `docker.io`, and a reference with
 * neither tag nor digest gets `:latest`. Throws {@link InvalidArgumentError} for anything else.
 *
 * @example
 * ```ts
 * parseReference("busybox").string;                   // "docker.io/library/busybox:latest"
 * parseReference("localhost:5000/ns/app@sha256:…").digest; // "sha256:…"
 * ```
 */
export function parseReference(ref: string): ImageReference {
  if (typeof ref !== "string" || ref === "") throw new InvalidArgumentError("empty image reference");
  let rest = ref;
  let digest: string | undefined;
  const at = rest.indexOf("@");
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    const err = digestError(digest);
    if (err) throw new InvalidArgumentError(`invalid reference ${JSON.stringify(ref)}: ${err.rawMessage}`);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(":");
  if (colon > rest.lastIndexOf("/")) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG_RE.test(tag))
      throw new InvalidArgumentError(`invalid tag ${JSON.stringify(tag)} in reference ${JSON.stringify(ref)}`);
  }
  if (ANCHORED_ID_RE.test(rest)) {
    throw new InvalidArgumentError(`invalid repository name (${rest}), cannot specify 64-byte hexadecimal strings`);
  }
  const { domain, path } = splitDomain(rest, ref);
  const name = `${domain}/${path}`;
  if (name.length > NAME_TOTAL_LENGTH_MAX) {
    throw new InvalidArgumentError(
      `repository name must not be more than ${NAME_TOTAL_LENGTH_MAX} characters: ${JSON.stringify(ref)}`,
    );
  }
  if (tag === undefined && digest === undefined) tag = DEFAULT_TAG;
  return { domain, path, name, tag, digest, string: formatReference(name, tag, digest) };
}

/** Like {@link parseReference} but returns the error instead of throwing it. */
export function tryParseReference(ref: string): ImageReference | InvalidArgumentError {
  try {
    return parseReference(ref);
  } catch (e) {
    return e as InvalidArgumentError;
  }
}

/** `name[:tag][@digest]`. */
export function formatReference(name: string, tag: string | undefined, digest: string | undefined): string {
  return `${name}${tag === undefined ? "" : `:${tag}`}${digest === undefined ? "" : `@${digest}`}`;
}

/** The registry host serving `domain`: docker.io is served by registry-1.docker.io. */
export function registryHost(domain: string): string {
  return domain === DOCKER_DOMAIN ? DOCKER_REGISTRY_HOST : domain;
}

/**
 * Is `host` (with or without port) the local machine? Like containerd's `docker.IsLocalhost`:
 * `localhost`, `127.0.0.0/8` and `::1`. Such registries may be spoken to over plain HTTP.
 */
export function isLocalhost(host: string): boolean {
  let h = host;
  if (h.startsWith("[")) h = h.slice(1, h.indexOf("]") < 0 ? h.length : h.indexOf("]"));
  else if (h.includes(":") && h.indexOf(":") === h.lastIndexOf(":")) h = h.slice(0, h.indexOf(":"));
  if (h === "localhost" || h === "::1") return true;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

function splitDomain(name: string, ref: string): { domain: string; path: string } {
  const slash = name.indexOf("/");
  let domain: string;
  let path: string;
  const first = slash < 0 ? "" : name.slice(0, slash);
  if (slash < 0 || (!/[.:]/.test(first) && first !== "localhost" && first.toLowerCase() === first)) {
    domain = DOCKER_DOMAIN;
    path = name;
  } else {
    domain = first;
    path = name.slice(slash + 1);
  }
  if (domain === "index.docker.io") domain = DOCKER_DOMAIN;
  if (domain === DOCKER_DOMAIN && !path.includes("/")) path = `library/${path}`;
  if (!DOMAIN_RE.test(domain))
    throw new InvalidArgumentError(
      `invalid registry host ${JSON.stringify(domain)} in reference ${JSON.stringify(ref)}`,
    );
  if (path.toLowerCase() !== path)
    throw new InvalidArgumentError(
      `invalid reference format: repository name must be lowercase: ${JSON.stringify(ref)}`,
    );
  if (!PATH_RE.test(path))
    throw new InvalidArgumentError(
      `invalid repository path ${JSON.stringify(path)} in reference ${JSON.stringify(ref)}`,
    );
  return { domain, path };
}
