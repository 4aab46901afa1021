// Signalling a process that may have gone already: what every kill before a wait does (stop$,
// delete$({ kill }), killAfter, forced removal).

import { catchError, EMPTY, throwError, type Observable } from "rxjs";
import { isFailedPrecondition, isNotFound } from "../../errors/guards.js";
import type { CallOptions } from "../../services/call-options.js";
import type { Signal } from "./signals.js";

/** What is signalled: a Process (declared here, not imported: process.ts uses this module). */
interface Killable {
  kill$(signal: Signal, options?: CallOptions & { readonly all?: boolean }): Observable<void>;
}

/**
 * Whether a Tasks.Kill error means the process is no longer there to signal: NotFound (`process
 * already finished`, or no such process) or FailedPrecondition. Its exit, if any, comes from a
 * wait. @internal
 */
export function isGone(e: unknown): boolean {
  return isNotFound(e) || isFailedPrecondition(e);
}

/** `proc.kill$(signal, options)`, completing without error when the process is gone ({@link isGone}). @internal */
export function killIfRunning$(
  proc: Killable,
  signal: Signal,
  options?: CallOptions & { readonly all?: boolean },
): Observable<void> {
  return proc.kill$(signal, options).pipe(catchError((e: unknown) => (isGone(e) ? EMPTY : throwError(() => e))));
}
