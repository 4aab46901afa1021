/**
 * gRPC status codes, as numbers on the wire. containerd reports every failure with one of these;
 * {@link ContainerdError.code} holds the one that was received (or, for client-side errors, the one
 * containerd would have used).
 */
export enum Code {
  OK = 0,
  Canceled = 1,
  Unknown = 2,
  InvalidArgument = 3,
  DeadlineExceeded = 4,
  NotFound = 5,
  AlreadyExists = 6,
  PermissionDenied = 7,
  ResourceExhausted = 8,
  FailedPrecondition = 9,
  Aborted = 10,
  OutOfRange = 11,
  Unimplemented = 12,
  Internal = 13,
  Unavailable = 14,
  DataLoss = 15,
  Unauthenticated = 16,
}

/**
 * containerd's error classes (`github.com/containerd/errdefs` in containerd 2.x). `conflict` and
 * `not-modified` travel as FAILED_PRECONDITION and are told apart by the message suffix.
 * `exit-code` is this library's own: a process exited non-zero (`ExitCodeError`, made by
 * `throwOnNonZeroExit()`, never by the daemon).
 */
export type ErrorKind =
  | "invalid-argument"
  | "not-found"
  | "already-exists"
  | "failed-precondition"
  | "conflict"
  | "not-modified"
  | "unavailable"
  | "not-implemented"
  | "canceled"
  | "deadline-exceeded"
  | "permission-denied"
  | "resource-exhausted"
  | "aborted"
  | "out-of-range"
  | "internal"
  | "data-loss"
  | "unauthenticated"
  | "unknown"
  | "exit-code";
