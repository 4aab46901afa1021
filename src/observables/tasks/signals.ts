import { InvalidArgumentError } from "../../errors/containerd-error.js";

/** Linux signal numbers (x86-64 / arm64). */
export const SIGNALS: Readonly<Record<string, number>> = Object.freeze({
  SIGHUP: 1,
  SIGINT: 2,
  SIGQUIT: 3,
  SIGILL: 4,
  SIGTRAP: 5,
  SIGABRT: 6,
  SIGBUS: 7,
  SIGFPE: 8,
  SIGKILL: 9,
  SIGUSR1: 10,
  SIGSEGV: 11,
  SIGUSR2: 12,
  SIGPIPE: 13,
  SIGALRM: 14,
  SIGTERM: 15,
  SIGSTKFLT: 16,
  SIGCHLD: 17,
  SIGCONT: 18,
  SIGSTOP: 19,
  SIGTSTP: 20,
  SIGTTIN: 21,
  SIGTTOU: 22,
  SIGURG: 23,
  SIGXCPU: 24,
  SIGXFSZ: 25,
  SIGVTALRM: 26,
  SIGPROF: 27,
  SIGWINCH: 28,
  SIGIO: 29,
  SIGPWR: 30,
  SIGSYS: 31,
});

/** A signal: a number (1–64) or a name with or without `SIG` (`"SIGTERM"`, `"term"`, `"RTMIN+3"`). */
export type Signal = number | string;

/**
 * Resolves a {@link Signal} to its number; returns an InvalidArgumentError for unknown ones.
 * @example `parseSignal("TERM") // 15`
 */
export function parseSignal(signal: Signal): number | InvalidArgumentError {
  if (typeof signal === "number") {
    return Number.isInteger(signal) && signal >= 1 && signal <= 64
      ? signal
      : new InvalidArgumentError(`invalid signal ${signal}: must be an integer from 1 to 64`);
  }
  const name = signal.toUpperCase().startsWith("SIG") ? signal.toUpperCase() : `SIG${signal.toUpperCase()}`;
  const known = SIGNALS[name];
  if (known !== undefined) return known;
  const rt = /^SIGRTMIN(?:\+(\d+))?$/.exec(name) ?? /^SIGRTMAX(?:-(\d+))?$/.exec(name);
  if (rt) {
    const n = name.startsWith("SIGRTMIN") ? 34 + Number(rt[1] ?? 0) : 64 - Number(rt[1] ?? 0);
    if (n >= 34 && n <= 64) return n;
  }
  if (/^\d+$/.test(signal)) return parseSignal(Number(signal));
  return new InvalidArgumentError(`unknown signal ${JSON.stringify(signal)}`);
}
