// Hand-rolled argument parsing (no dependency): long flags (`--name v`, `--name=v`), short flags
// (`-s v`, grouped booleans `-it`), repeatable flags, `--` and, for run/exec, a stop at the first
// positional (what follows is the container's command line, flags included).
import { UsageError } from "./errors.js";

export type FlagKind = "boolean" | "string" | "list";

export interface FlagSpec {
  readonly kind: FlagKind;
  readonly short?: string;
}

export type FlagSpecs = Readonly<Record<string, FlagSpec>>;

export interface Parsed {
  readonly flags: Readonly<Record<string, string | boolean | readonly string[] | undefined>>;
  readonly positionals: readonly string[];
}

/** Flags every command accepts (before or after the command name). */
export const GLOBAL_FLAGS: FlagSpecs = {
  address: { kind: "string", short: "a" },
  namespace: { kind: "string", short: "n" },
  "tls-ca": { kind: "string" },
  "tls-cert": { kind: "string" },
  "tls-key": { kind: "string" },
  "tls-servername": { kind: "string" },
  debug: { kind: "boolean" },
  help: { kind: "boolean", short: "h" },
};

/**
 * Parses `argv` with `specs` (plus the global flags). With `stopAtPositional`, everything from
 * the first positional on is positional.
 */
export function parseArgs(argv: readonly string[], specs: FlagSpecs, stopAtPositional = false): Parsed {
  const all: FlagSpecs = { ...GLOBAL_FLAGS, ...specs };
  const byShort = new Map<string, string>();
  for (const [name, s] of Object.entries(all)) if (s.short) byShort.set(s.short, name);
  const flags: Record<string, string | boolean | string[] | undefined> = {};
  const positionals: string[] = [];
  const set = (name: string, value: string | boolean): void => {
    const spec = all[name];
    if (!spec) throw new UsageError(`unknown flag --${name}`);
    if (spec.kind === "list") (flags[name] = (flags[name] as string[] | undefined) ?? []).push(String(value));
    else flags[name] = value;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const takeValue = (name: string): string => {
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`flag --${name} needs a value`);
      return v;
    };
    if (arg === "--") {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (arg.startsWith("--")) {
      const eq = arg.indexOf("=");
      const name = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
      const spec = all[name];
      if (!spec) throw new UsageError(`unknown flag --${name}`);
      if (spec.kind === "boolean") {
        if (eq >= 0 && !["true", "false"].includes(arg.slice(eq + 1)))
          throw new UsageError(`flag --${name} takes no value`);
        set(name, eq < 0 || arg.slice(eq + 1) === "true");
      } else set(name, eq < 0 ? takeValue(name) : arg.slice(eq + 1));
      continue;
    }
    if (arg.startsWith("-") && arg.length > 1) {
      const letters = arg.slice(1);
      for (let j = 0; j < letters.length; j++) {
        const name = byShort.get(letters[j]!);
        if (!name) throw new UsageError(`unknown flag -${letters[j]}`);
        if (all[name]!.kind === "boolean") set(name, true);
        else {
          const rest = letters.slice(j + 1);
          set(name, rest.length > 0 ? rest : takeValue(name));
          break;
        }
      }
      continue;
    }
    positionals.push(arg);
    if (stopAtPositional) {
      positionals.push(...argv.slice(i + 1));
      break;
    }
  }
  return { flags, positionals };
}

/** A string flag's value, if given. */
export function str(p: Parsed, name: string): string | undefined {
  const v = p.flags[name];
  return typeof v === "string" ? v : undefined;
}

/** A boolean flag's value. */
export function bool(p: Parsed, name: string): boolean {
  return p.flags[name] === true;
}

/** A repeatable flag's values. */
export function list(p: Parsed, name: string): readonly string[] {
  const v = p.flags[name];
  return Array.isArray(v) ? v : [];
}
