import {
  type ContainerdError,
  type ContainerdErrorClass,
  AlreadyExistsError,
  CanceledError,
  DataLossError,
  DeadlineExceededError,
  InvalidArgumentError,
  NotFoundError,
  NotImplementedError,
  OutOfRangeError,
  PermissionDeniedError,
  ResourceExhaustedError,
  UnauthenticatedError,
  UnavailableError,
  UnknownError,
} from "../../errors/containerd-error.js";

/** One entry of a registry's error body (`{"errors":[{"code":"MANIFEST_UNKNOWN",…}]}`). */
export interface RegistryErrorEntry {
  readonly code: string;
  readonly message?: string;
  readonly detail?: unknown;
}

/** The error class for an HTTP status of a registry response. */
export function classForHttpStatus(status: number): ContainerdErrorClass {
  switch (status) {
    case 400:
    case 405:
    case 411:
    case 413:
    case 422:
      return InvalidArgumentError;
    case 401:
      return UnauthenticatedError;
    case 403:
      return PermissionDeniedError;
    case 404:
      return NotFoundError;
    case 409:
      return AlreadyExistsError;
    case 416:
      return OutOfRangeError;
    case 429:
      return ResourceExhaustedError;
    case 501:
      return NotImplementedError;
    case 408:
    case 502:
    case 503:
    case 504:
      return UnavailableError;
    default:
      return status >= 500 ? UnavailableError : UnknownError;
  }
}

/** Parses a registry error body; returns [] for anything else. */
export function parseErrorBody(text: string): RegistryErrorEntry[] {
  try {
    const v: unknown = JSON.parse(text);
    if (typeof v !== "object" || v === null) return [];
    const errors = (v as { errors?: unknown }).errors;
    if (!Array.isArray(errors)) return [];
    return errors.filter(
      (e): e is RegistryErrorEntry =>
        typeof e === "object" && e !== null && typeof (e as { code?: unknown }).code === "string",
    );
  } catch {
    return [];
  }
}

/**
 * The typed error for a failed registry response: the class follows the HTTP status (401 →
 * Unauthenticated, 403 → PermissionDenied, 404 → NotFound, 5xx → Unavailable, …), except that the
 * registry's `DIGEST_INVALID` is a DataLossError; the message names
 * the request and the registry's error codes. `metadata` carries the response headers.
 */
export function httpError(
  method: string,
  url: string,
  status: number,
  statusText: string,
  headers: Headers,
  body: string,
): ContainerdError {
  const entries = parseErrorBody(body);
  const what =
    entries.length > 0
      ? entries.map((e) => `${e.code}${e.message ? `: ${e.message}` : ""}`).join("; ")
      : body.trim().slice(0, 200);
  // The registry computed another digest than the one we named: the bytes were damaged.
  const Cls = entries.some((e) => e.code === "DIGEST_INVALID") ? DataLossError : classForHttpStatus(status);
  const metadata: Record<string, string[]> = { ":status": [String(status)] };
  headers.forEach((value, key) => {
    metadata[key] = [value];
  });
  return new Cls(`${method} ${redact(url)}: ${status} ${statusText}${what ? `: ${what}` : ""}`, {
    metadata,
    method: `${method} ${redact(url)}`,
  });
}

/** A transport failure (refused, reset, DNS, TLS, timeout) as a typed error. */
export function networkError(method: string, url: string, e: unknown): ContainerdError {
  const cause = (e as { cause?: unknown }).cause;
  const name = (e as { name?: unknown }).name;
  const detail =
    cause instanceof Error
      ? `${cause.message}${(cause as { code?: unknown }).code ? ` (${String((cause as { code?: unknown }).code)})` : ""}`
      : e instanceof Error
        ? e.message
        : String(e);
  if (name === "TimeoutError")
    return new DeadlineExceededError(`${method} ${redact(url)}: ${detail}`, {
      cause: e,
      method: `${method} ${redact(url)}`,
    });
  if (name === "AbortError")
    return new CanceledError(`${method} ${redact(url)}: ${detail}`, { cause: e, method: `${method} ${redact(url)}` });
  return new UnavailableError(`${method} ${redact(url)}: ${detail}`, { cause: e, method: `${method} ${redact(url)}` });
}

/** Drops credentials and query strings (upload state, signed storage URLs) from a URL for messages. */
export function redact(url: string): string {
  try {
    const u = new URL(url);
    u.username = "";
    u.password = "";
    u.search = "";
    return u.toString();
  } catch {
    return url;
  }
}
