import type { ErrorKind } from "./code.js";
import {
  ContainerdError,
  type AbortedError,
  type AlreadyExistsError,
  type CanceledError,
  type ConflictError,
  type DataLossError,
  type DeadlineExceededError,
  type FailedPreconditionError,
  type InternalError,
  type InvalidArgumentError,
  type NotFoundError,
  type NotImplementedError,
  type NotModifiedError,
  type OutOfRangeError,
  type PermissionDeniedError,
  type ResourceExhaustedError,
  type UnauthenticatedError,
  type UnavailableError,
  type UnknownError,
} from "./containerd-error.js";
import type { ExitCodeError } from "./exit-code-error.js";

type Guard<T> = (e: unknown) => e is T;

function guard<T extends ContainerdError>(kind: ErrorKind): Guard<T> {
  return (e: unknown): e is T => ContainerdError.is(e) && e.kind === kind;
}

// Each guard recognises errors from any copy of rxcontainerd (brand symbol + kind), e.g.
// `if (isNotFound(err)) …` in an error callback.

/**
 * True if `e` is any {@link ContainerdError}, of whatever kind, made by any copy of this package
 * (a brand check, so it works across duplicated installs where `instanceof` does not).
 *
 * @example
 * ```ts
 * client.version$().subscribe({ error: (e: unknown) => console.error(isContainerdError(e) ? `${e.kind}: ${e.message}` : e) });
 * ```
 */
export const isContainerdError = (e: unknown): e is ContainerdError => ContainerdError.is(e);

/** True if `e` is an {@link InvalidArgumentError} (from any copy of this package). */
export const isInvalidArgument: Guard<InvalidArgumentError> = guard("invalid-argument");
/** True if `e` is a {@link NotFoundError}. */
export const isNotFound: Guard<NotFoundError> = guard("not-found");
/** True if `e` is an {@link AlreadyExistsError}. */
export const isAlreadyExists: Guard<AlreadyExistsError> = guard("already-exists");
/** True if `e` is a {@link FailedPreconditionError} (not Conflict or NotModified). */
export const isFailedPrecondition: Guard<FailedPreconditionError> = guard("failed-precondition");
/** True if `e` is a {@link ConflictError}. */
export const isConflict: Guard<ConflictError> = guard("conflict");
/** True if `e` is a {@link NotModifiedError}. */
export const isNotModified: Guard<NotModifiedError> = guard("not-modified");
/** True if `e` is an {@link UnavailableError}. */
export const isUnavailable: Guard<UnavailableError> = guard("unavailable");
/** True if `e` is a {@link NotImplementedError}. */
export const isNotImplemented: Guard<NotImplementedError> = guard("not-implemented");
/** True if `e` is a {@link CanceledError}. */
export const isCanceled: Guard<CanceledError> = guard("canceled");
/** True if `e` is a {@link DeadlineExceededError}. */
export const isDeadlineExceeded: Guard<DeadlineExceededError> = guard("deadline-exceeded");
/** True if `e` is a {@link PermissionDeniedError}. */
export const isPermissionDenied: Guard<PermissionDeniedError> = guard("permission-denied");
/** True if `e` is a {@link ResourceExhaustedError}. */
export const isResourceExhausted: Guard<ResourceExhaustedError> = guard("resource-exhausted");
/** True if `e` is an {@link AbortedError}. */
export const isAborted: Guard<AbortedError> = guard("aborted");
/** True if `e` is an {@link OutOfRangeError}. */
export const isOutOfRange: Guard<OutOfRangeError> = guard("out-of-range");
/** True if `e` is an {@link InternalError}. */
export const isInternal: Guard<InternalError> = guard("internal");
/** True if `e` is a {@link DataLossError}. */
export const isDataLoss: Guard<DataLossError> = guard("data-loss");
/** True if `e` is an {@link UnauthenticatedError}. */
export const isUnauthenticated: Guard<UnauthenticatedError> = guard("unauthenticated");
/** True if `e` is an {@link UnknownError}. */
export const isUnknown: Guard<UnknownError> = guard("unknown");
/**
 * True if `e` is an {@link ExitCodeError} (a non-zero exit turned into an error by
 * `throwOnNonZeroExit()`), from any copy of this package.
 *
 * @example
 * ```ts
 * task.wait$().pipe(throwOnNonZeroExit()).subscribe({ error: (e: unknown) => isExitCodeError(e) && console.log(e.exitCode) });
 * ```
 */
export const isExitCodeError: Guard<ExitCodeError> = guard("exit-code");
