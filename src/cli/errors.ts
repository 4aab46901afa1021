// Exit codes scripts can rely on, and the one-line error report.

/** A client-side or daemon-side failure (bad usage, unreachable daemon, missing object…). */
export const EXIT_ERROR = 125;
/** The command exists in the image but cannot be executed (permission denied). */
export const EXIT_CANNOT_EXECUTE = 126;
/** The command is not found in the image. */
export const EXIT_NOT_FOUND = 127;

/** An error the CLI reports as it is, with its exit code. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT_ERROR,
  ) {
    super(message);
    this.name = "CliError";
  }
}

/** Bad command line: exit 125 with the message (and a hint to --help). */
export class UsageError extends CliError {
  constructor(message: string) {
    super(`${message} (see rxctr --help)`, EXIT_ERROR);
    this.name = "UsageError";
  }
}

/** 127 / 126 when runc's error says the command could not be started, else undefined. */
export function execFailureCode(message: string): number | undefined {
  // runc: `exec: "nope": executable file not found in $PATH`, `exec: "/nope": stat /nope: no such
  // file or directory`, `exec: "/etc": permission denied` (wrapped by the shim and the daemon).
  if (
    /exec: "[^"]*": (executable file not found|stat [^:]*: no such file or directory|no such file or directory)/.test(
      message,
    )
  )
    return EXIT_NOT_FOUND;
  if (/exec: "[^"]*": (permission denied|is a directory)/.test(message)) return EXIT_CANNOT_EXECUTE;
  return undefined;
}

/** Wraps an error with the object it concerns (`container "web"`), keeping the cause. */
export function about(what: string, e: unknown): Error {
  const err = e instanceof Error ? e : new Error(String(e));
  const wrapped = new CliError(`${what}: ${err.message}`, e instanceof CliError ? e.exitCode : exitCodeOf(err));
  wrapped.cause = err;
  if (err.stack) wrapped.stack = err.stack;
  return wrapped;
}

/** The exit code for an error: the CLI's own, 127/126 for a command that cannot start, else 125. */
export function exitCodeOf(e: unknown): number {
  if (e instanceof CliError) return e.exitCode;
  if (e instanceof Error) return execFailureCode(e.message) ?? EXIT_ERROR;
  return EXIT_ERROR;
}

/** One line for stderr: `rxctr: <message>` (with the stack and causes under --debug). */
export function formatError(e: unknown, debug: boolean): string {
  const err = e instanceof Error ? e : new Error(String(e));
  const line = `rxctr: ${err.message.replace(/\s*\n\s*/g, " ")}`;
  if (!debug) return line;
  const parts = [line, err.stack ?? ""];
  for (let c = err.cause; c instanceof Error; c = c.cause) parts.push(`caused by: ${c.stack ?? c.message}`);
  return parts.join("\n");
}
