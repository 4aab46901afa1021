import { Code, type ErrorKind } from "./code.js";

/** Brand shared by every copy of this package, so guards work across duplicate installs. */
export const ERROR_BRAND: unique symbol = Symbol.for("rxcontainerd.ContainerdError") as never;

/** One `google.rpc.Status` detail, undecoded: a protobuf `Any`. */
export interface ErrorDetail {
  readonly typeUrl: string;
  readonly value: Uint8Array;
}

/** Construction options shared by every error class. */
export interface ContainerdErrorInit {
  /** The gRPC status code; defaults to the class's own code. */
  readonly code?: Code;
  /** `google.rpc.Status.details` from the `grpc-status-details-bin` trailer. */
  readonly details?: readonly ErrorDetail[];
  /** Response headers and trailers of the failed call (binary values omitted). */
  readonly metadata?: Readonly<Record<string, readonly string[]>>;
  /** The underlying error (a grpc-js status error, an abort reason, …). */
  readonly cause?: unknown;
  /** The RPC path that failed, e.g. `/containerd.services.tasks.v1.Tasks/Get`. */
  readonly method?: string;
}

/**
 * Base class of every error this library reports. RPC failures arrive as a subclass (for example
 * {@link NotFoundError}) through an Observable's error channel, never thrown.
 *
 * - `kind` is containerd's error class and `code` the gRPC status code.
 * - `rawMessage` is the daemon's description without the `[Kind]` prefix that `message` carries.
 * - Use the guards (`isNotFound(e)` …) or {@link ContainerdError.is} rather than `instanceof`:
 *   they also recognise errors made by another copy of this package.
 *
 * @example
 * ```ts
 * client.containers.load$("web").subscribe({
 *   error: (e) => { if (isNotFound(e)) console.log("no such container:", e.rawMessage); },
 * });
 * ```
 */
export class ContainerdError extends Error {
  /** containerd's error class. */
  readonly kind: ErrorKind;
  /** gRPC status code received (or implied, for client-side errors). */
  readonly code: Code;
  /** The message as containerd sent it, without the class prefix. */
  readonly rawMessage: string;
  /** Status details, undecoded. */
  readonly details: readonly ErrorDetail[];
  /** Headers and trailers of the failed call. */
  readonly metadata: Readonly<Record<string, readonly string[]>>;
  /** The RPC path, when the error came from a call. */
  readonly method: string | undefined;
  /** @internal */
  readonly [ERROR_BRAND] = true;

  constructor(kind: ErrorKind, defaultCode: Code, message: string, init: ContainerdErrorInit = {}) {
    super(`[${kindTitle(kind)}] ${message}`, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = new.target.name;
    this.kind = kind;
    this.code = init.code ?? defaultCode;
    this.rawMessage = message;
    this.details = init.details ?? [];
    this.metadata = init.metadata ?? {};
    this.method = init.method;
  }

  /**
   * Converts anything into a ContainerdError: returns ContainerdErrors as they are, maps objects
   * that look like a gRPC status error (`{ code: number, details: string }`) the way containerd
   * 2.x's `errgrpc.ToNative` does, turns an `AbortError` into {@link CanceledError}, and wraps
   * anything else in {@link UnknownError} with the original as `cause`.
   *
   * @example
   * ```ts
   * try { await lastValueFrom(client.version$()); } catch (e) { console.log(ContainerdError.from(e).kind); }
   * ```
   */
  static from(e: unknown, init: ContainerdErrorInit = {}): ContainerdError {
    return fromUnknown(e, init);
  }

  /** True for any error made by any copy of this package. */
  static is(e: unknown): e is ContainerdError {
    return typeof e === "object" && e !== null && (e as { [ERROR_BRAND]?: unknown })[ERROR_BRAND] === true;
  }
}

/** `not-found` -> `NotFound`. */
export function kindTitle(kind: ErrorKind): string {
  return kind.replace(/(^|-)([a-z])/g, (_m, _d: string, c: string) => c.toUpperCase());
}

/** Constructor of one error class; its instances carry the class's `kind` literal. */
export type ContainerdErrorClass<K extends ErrorKind = ErrorKind> = new (
  message: string,
  init?: ContainerdErrorInit,
) => ContainerdError & { readonly kind: K };

function define<K extends ErrorKind>(kind: K, code: Code, name: string): ContainerdErrorClass<K> {
  const cls = class extends ContainerdError {
    declare readonly kind: K;
    constructor(message: string, init?: ContainerdErrorInit) {
      super(kind, code, message, init);
    }
  };
  Object.defineProperty(cls, "name", { value: name });
  return cls;
}

/** The request was malformed: bad id, bad filter, unknown signal… (INVALID_ARGUMENT). */
export const InvalidArgumentError = define("invalid-argument", Code.InvalidArgument, "InvalidArgumentError");
/** Instance type of {@link InvalidArgumentError}. */
export type InvalidArgumentError = InstanceType<typeof InvalidArgumentError>;
/** The object does not exist (NOT_FOUND). */
export const NotFoundError = define("not-found", Code.NotFound, "NotFoundError");
/** Instance type of {@link NotFoundError}. */
export type NotFoundError = InstanceType<typeof NotFoundError>;
/** The object exists already (ALREADY_EXISTS). */
export const AlreadyExistsError = define("already-exists", Code.AlreadyExists, "AlreadyExistsError");
/** Instance type of {@link AlreadyExistsError}. */
export type AlreadyExistsError = InstanceType<typeof AlreadyExistsError>;
/** The object is in the wrong state, e.g. deleting a running task (FAILED_PRECONDITION). */
export const FailedPreconditionError = define(
  "failed-precondition",
  Code.FailedPrecondition,
  "FailedPreconditionError",
);
/** Instance type of {@link FailedPreconditionError}. */
export type FailedPreconditionError = InstanceType<typeof FailedPreconditionError>;
/** FAILED_PRECONDITION whose message ends in `: conflict`. */
export const ConflictError = define("conflict", Code.FailedPrecondition, "ConflictError");
/** Instance type of {@link ConflictError}. */
export type ConflictError = InstanceType<typeof ConflictError>;
/** FAILED_PRECONDITION whose message ends in `: not modified`. */
export const NotModifiedError = define("not-modified", Code.FailedPrecondition, "NotModifiedError");
/** Instance type of {@link NotModifiedError}. */
export type NotModifiedError = InstanceType<typeof NotModifiedError>;
/** The daemon cannot be reached or went away (UNAVAILABLE). */
export const UnavailableError = define("unavailable", Code.Unavailable, "UnavailableError");
/** Instance type of {@link UnavailableError}. */
export type UnavailableError = InstanceType<typeof UnavailableError>;
/** Construction options of {@link NotImplementedError}. */
export interface NotImplementedErrorInit extends ContainerdErrorInit {
  /** The first containerd `major.minor` that has what was called, when that is known. */
  readonly since?: string;
  /** The connected daemon's version (`Version.Version`), when it was asked. */
  readonly daemonVersion?: string;
}

/**
 * The operation is not supported by this daemon or platform (UNIMPLEMENTED). When the daemon
 * lacks a service or method of a newer containerd (Transfer, Streaming, sandboxes,
 * `Introspection.PluginInfo`), the message says which version has it and which version the
 * daemon is, and so do two fields: `since` (e.g. `"1.7"`) and `daemonVersion` (e.g.
 * `"1.6.20~ds1"`, asked once per client); both are `undefined` for other NotImplementedErrors.
 *
 * @example
 * ```ts
 * client.services.transfer.transfer$({}).subscribe({
 *   error: (e: unknown) => {
 *     if (isNotImplemented(e) && e.since) console.log(`needs ${e.since}, daemon is ${e.daemonVersion ?? "?"}`);
 *   },
 * });
 * ```
 */
export class NotImplementedError extends ContainerdError {
  declare readonly kind: "not-implemented";
  /** The first containerd `major.minor` that has what was called, when known. */
  readonly since: string | undefined;
  /** The connected daemon's version, when it was asked to explain this error. */
  readonly daemonVersion: string | undefined;

  constructor(message: string, init: NotImplementedErrorInit = {}) {
    super("not-implemented", Code.Unimplemented, message, init);
    this.since = init.since;
    this.daemonVersion = init.daemonVersion;
  }
}
/** The call was cancelled, e.g. by an `AbortSignal` (CANCELLED). */
export const CanceledError = define("canceled", Code.Canceled, "CanceledError");
/** Instance type of {@link CanceledError}. */
export type CanceledError = InstanceType<typeof CanceledError>;
/** `timeoutMs` elapsed before the daemon answered (DEADLINE_EXCEEDED). */
export const DeadlineExceededError = define("deadline-exceeded", Code.DeadlineExceeded, "DeadlineExceededError");
/** Instance type of {@link DeadlineExceededError}. */
export type DeadlineExceededError = InstanceType<typeof DeadlineExceededError>;
/** PERMISSION_DENIED. */
export const PermissionDeniedError = define("permission-denied", Code.PermissionDenied, "PermissionDeniedError");
/** Instance type of {@link PermissionDeniedError}. */
export type PermissionDeniedError = InstanceType<typeof PermissionDeniedError>;
/** RESOURCE_EXHAUSTED, e.g. a message over the 16 MiB limit. */
export const ResourceExhaustedError = define("resource-exhausted", Code.ResourceExhausted, "ResourceExhaustedError");
/** Instance type of {@link ResourceExhaustedError}. */
export type ResourceExhaustedError = InstanceType<typeof ResourceExhaustedError>;
/** ABORTED. */
export const AbortedError = define("aborted", Code.Aborted, "AbortedError");
/** Instance type of {@link AbortedError}. */
export type AbortedError = InstanceType<typeof AbortedError>;
/** OUT_OF_RANGE, e.g. reading content past its end. */
export const OutOfRangeError = define("out-of-range", Code.OutOfRange, "OutOfRangeError");
/** Instance type of {@link OutOfRangeError}. */
export type OutOfRangeError = InstanceType<typeof OutOfRangeError>;
/** INTERNAL. */
export const InternalError = define("internal", Code.Internal, "InternalError");
/** Instance type of {@link InternalError}. */
export type InternalError = InstanceType<typeof InternalError>;
/** DATA_LOSS. */
export const DataLossError = define("data-loss", Code.DataLoss, "DataLossError");
/** Instance type of {@link DataLossError}. */
export type DataLossError = InstanceType<typeof DataLossError>;
/** UNAUTHENTICATED. */
export const UnauthenticatedError = define("unauthenticated", Code.Unauthenticated, "UnauthenticatedError");
/** Instance type of {@link UnauthenticatedError}. */
export type UnauthenticatedError = InstanceType<typeof UnauthenticatedError>;
/** UNKNOWN and anything unclassified; runc failures arrive as this (`…: unknown`). */
export const UnknownError = define("unknown", Code.Unknown, "UnknownError");
/** Instance type of {@link UnknownError}. */
export type UnknownError = InstanceType<typeof UnknownError>;

/**
 * Picks the error class for a gRPC status, as containerd 2.x's `errgrpc.ToNative` does:
 * FAILED_PRECONDITION becomes Conflict / NotModified when the message is or ends with
 * `conflict` / `not modified`; codes without a class of their own become Unknown.
 */
export function classForStatus(code: number, message: string): ContainerdErrorClass {
  switch (code) {
    case Code.Canceled:
      return CanceledError;
    case Code.InvalidArgument:
      return InvalidArgumentError;
    case Code.DeadlineExceeded:
      return DeadlineExceededError;
    case Code.NotFound:
      return NotFoundError;
    case Code.AlreadyExists:
      return AlreadyExistsError;
    case Code.PermissionDenied:
      return PermissionDeniedError;
    case Code.ResourceExhausted:
      return ResourceExhaustedError;
    case Code.FailedPrecondition:
      if (message === "conflict" || message.endsWith(": conflict")) return ConflictError;
      if (message === "not modified" || message.endsWith(": not modified")) return NotModifiedError;
      return FailedPreconditionError;
    case Code.Aborted:
      return AbortedError;
    case Code.OutOfRange:
      return OutOfRangeError;
    case Code.Unimplemented:
      return NotImplementedError;
    case Code.Internal:
      return InternalError;
    case Code.Unavailable:
      return UnavailableError;
    case Code.DataLoss:
      return DataLossError;
    case Code.Unauthenticated:
      return UnauthenticatedError;
    default:
      return UnknownError;
  }
}

function fromUnknown(e: unknown, init: ContainerdErrorInit): ContainerdError {
  if (ContainerdError.is(e)) return e;
  if (typeof e === "object" && e !== null) {
    const o = e as { code?: unknown; details?: unknown; message?: unknown; name?: unknown };
    if (o.name === "AbortError") {
      return new CanceledError(typeof o.message === "string" ? o.message : "aborted", { ...init, cause: e });
    }
    if (typeof o.code === "number" && o.code >= 0 && o.code <= 16) {
      const msg = typeof o.details === "string" ? o.details : typeof o.message === "string" ? o.message : "";
      const Cls = classForStatus(o.code, msg);
      return new Cls(msg, { code: o.code as Code, ...init, cause: init.cause ?? e });
    }
  }
  const msg = e instanceof Error ? e.message : String(e);
  return new UnknownError(msg, { ...init, cause: init.cause ?? e });
}
