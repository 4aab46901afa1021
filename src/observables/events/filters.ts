import { InvalidArgumentError } from "../../errors/containerd-error.js";

/** One parsed selector: `fieldpath [op value]`; no operator means "present". */
export interface FilterSelector {
  readonly fieldpath: readonly string[];
  readonly operator: "present" | "==" | "!=" | "~=";
  readonly value?: string;
}

const SIMPLE_ESCAPES: Record<string, string> = {
  a: "\x07",
  b: "\b",
  f: "\f",
  n: "\n",
  r: "\r",
  t: "\t",
  v: "\v",
  "\\": "\\",
};
const isAlpha = (c: string) => /^[A-Za-z]$/.test(c);
const isFieldChar = (c: string) => /^[A-Za-z0-9_]$/.test(c);
const isSpace = (c: string) => /^\s$/u.test(c);

/**
 * Parses one containerd filter string exactly as the daemon's `filters.Parse` does
 * (`selector ("," selector)*`, selectors `field.path [==|!=|~= value]`, values bare or quoted
 * with `"…"` — and `/…/` or `|…|` after `~=`). Returns the selectors, or an InvalidArgumentError
 * pointing at the problem (the daemon would report it as UNKNOWN on Subscribe).
 *
 * @example
 * ```ts
 * parseFilter('topic=="/tasks/exit",event.container_id==web'); // two selectors
 * parseFilter("topic==");                                       // InvalidArgumentError
 * ```
 */
export function parseFilter(input: string): FilterSelector[] | InvalidArgumentError {
  if (input === "") return []; // containerd: the empty filter matches everything
  const chars = [...input];
  let i = 0;
  const fail = (why: string) => new InvalidArgumentError(`invalid filter ${JSON.stringify(input)} at ${i}: ${why}`);
  const skip = () => {
    while (i < chars.length && isSpace(chars[i] as string)) i++;
  };
  const quoted = (allowAlt: boolean): string | InvalidArgumentError => {
    const q = chars[i] as string;
    if (q !== '"' && !(allowAlt && (q === "/" || q === "|"))) return fail("invalid quote encountered");
    let out = "";
    for (i++; ;) {
      const c = chars[i];
      if (c === undefined || c === "\n") return fail("quoted literal not terminated");
      i++;
      if (c === q) return out;
      if (c !== "\\") {
        out += c;
        continue;
      }
      const e = chars[i++];
      if (e === undefined) return fail("quoted literal not terminated");
      if (e === q) out += q;
      else if (SIMPLE_ESCAPES[e] !== undefined) out += SIMPLE_ESCAPES[e];
      else {
        const spec =
          e === "x" ? [16, 2] : e === "u" ? [16, 4] : e === "U" ? [16, 8] : /[0-7]/.test(e) ? [8, 3] : undefined;
        if (!spec) return fail("illegal escape sequence");
        const [base, n] = spec as [number, number];
        const digits = (base === 8 ? e : "") + chars.slice(i, i + n - (base === 8 ? 1 : 0)).join("");
        i += n - (base === 8 ? 1 : 0);
        if (digits.length !== n || !new RegExp(base === 8 ? "^[0-7]+$" : "^[0-9A-Fa-f]+$").test(digits)) {
          return fail("illegal numeric escape sequence");
        }
        const code = parseInt(digits, base);
        if (code > 0x10ffff || (e !== "x" && base !== 8 && code >= 0xd800 && code <= 0xdfff))
          return fail("invalid escape value");
        out += base === 8 || e === "x" ? String.fromCharCode(code) : String.fromCodePoint(code);
      }
    }
  };
  const field = (): string | InvalidArgumentError => {
    skip();
    const c = chars[i];
    if (c === '"' || c === "/" || c === "|") return quoted(false);
    if (c === undefined || !isFieldChar(c)) return fail("expected field or quoted");
    let f = "";
    while (i < chars.length && isFieldChar(chars[i] as string)) f += chars[i++];
    return f;
  };
  const selectors: FilterSelector[] = [];
  for (;;) {
    const path: string[] = [];
    for (;;) {
      const f = field();
      if (typeof f !== "string") return f;
      path.push(f);
      skip();
      if (chars[i] !== ".") break;
      i++;
    }
    skip();
    const c = chars[i];
    if (c === undefined || c === ",") selectors.push({ fieldpath: path, operator: "present" });
    else if (c === "=" || c === "!" || c === "~") {
      let op = "";
      while (["=", "!", "~"].includes(chars[i] as string)) op += chars[i++];
      if (op !== "==" && op !== "!=" && op !== "~=") return fail(`unsupported operator ${JSON.stringify(op)}`);
      skip();
      const v = chars[i];
      let value: string | InvalidArgumentError;
      if (v === undefined) return fail("expected value or quoted");
      if (v === '"' || v === "/" || v === "|") value = quoted(op === "~=");
      else if (v === ",") return fail("expected value or quoted");
      else {
        value = "";
        while (i < chars.length && chars[i] !== "," && !isSpace(chars[i] as string)) value += chars[i++];
      }
      if (typeof value !== "string") return value; // a ~= value is Go RE2 syntax: the daemon checks it
      selectors.push({ fieldpath: path, operator: op, value });
    } else return fail(`unexpected input ${JSON.stringify(c)}`);
    skip();
    if (i >= chars.length) return selectors;
    if (chars[i] !== ",") return fail(`unexpected input ${JSON.stringify(chars[i])}`);
    i++;
  }
}

/** Quotes a value for a filter (Go string syntax), so `/`, `,`, spaces and quotes are safe. */
export function quoteFilterValue(value: string): string {
  return JSON.stringify(value);
}

/**
 * Builds one filter string from field paths and values, quoting every value; selectors are ANDed.
 * Pass several filter strings to an operation to OR them.
 *
 * @example
 * ```ts
 * filterOf({ topic: "/tasks/exit", "event.container_id": "web" });
 * // 'topic=="/tasks/exit",event.container_id=="web"'
 * ```
 */
export function filterOf(equals: Readonly<Record<string, string>>): string {
  return Object.entries(equals)
    .map(([path, value]) => {
      if (!path.split(".").every((f) => isAlpha(f[0] ?? "") && [...f].every(isFieldChar))) {
        throw new InvalidArgumentError(`invalid filter field path ${JSON.stringify(path)}`);
      }
      return `${path}==${quoteFilterValue(value)}`;
    })
    .join(",");
}

/**
 * A filter argument as a list: one filter string, or several (ORed by the daemon).
 * @internal
 */
export function filterList(filters: string | readonly string[]): string[] {
  return typeof filters === "string" ? [filters] : [...filters];
}
