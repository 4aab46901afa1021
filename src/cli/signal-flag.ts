// `-s SIG` of kill and stop: a number or a name, checked before any RPC.
import { parseSignal, type Signal } from "../index.js";
import { str, type Parsed } from "./args.js";
import { CliError } from "./errors.js";

/** The `signal` flag as a Signal (digits as a number), or undefined when not given. */
export function signalFlag(args: Parsed, command: string): Signal | undefined {
  const given = str(args, "signal");
  if (given === undefined) return undefined;
  const signal: Signal = /^\d+$/.test(given) ? Number(given) : given;
  const n = parseSignal(signal);
  if (n instanceof Error) throw new CliError(`${command}: ${n.message}`);
  return signal;
}
