import { InvalidArgumentError } from "../../errors/containerd-error.js";

/** One authentication challenge: `Bearer realm="…",service="…",scope="…"`. */
export interface AuthChallenge {
  /** The scheme, lower case: `bearer`, `basic`, … */
  readonly scheme: string;
  /** Parameters; keys lower case, values unquoted. */
  readonly params: Readonly<Record<string, string>>;
}

const TOKEN_CHAR = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/;
const TOKEN68_CHAR = /[-._~+/0-9A-Za-z]/;

/**
 * Parses `WWW-Authenticate` header values (RFC 7235) into challenges, as containerd's
 * `auth.ParseAuthHeader` does. Several challenges may share a header value, separated by commas.
 * Throws {@link InvalidArgumentError} (and nothing else) on malformed input.
 *
 * @example
 * ```ts
 * parseWWWAuthenticate('Bearer realm="https://auth.docker.io/token",service="registry.docker.io"');
 * // [{ scheme: "bearer", params: { realm: "https://auth.docker.io/token", service: "registry.docker.io" } }]
 * ```
 */
export function parseWWWAuthenticate(headers: string | readonly string[]): AuthChallenge[] {
  const values = typeof headers === "string" ? [headers] : headers;
  const out: AuthChallenge[] = [];
  for (const v of values) out.push(...parseOne(String(v)));
  return out;
}

function parseOne(s: string): AuthChallenge[] {
  const out: AuthChallenge[] = [];
  let i = 0;
  const fail = (what: string): never => {
    throw new InvalidArgumentError(
      `malformed WWW-Authenticate header at ${i}: ${what}: ${JSON.stringify(s.slice(0, 200))}`,
    );
  };
  const ws = (): void => {
    while (i < s.length && (s[i] === " " || s[i] === "\t")) i++;
  };
  const token = (): string => {
    const start = i;
    while (i < s.length && TOKEN_CHAR.test(s.charAt(i))) i++;
    return s.slice(start, i);
  };
  const quoted = (): string => {
    i++; // opening quote
    let v = "";
    while (i < s.length && s[i] !== '"') {
      if (s[i] === "\\") i++;
      if (i >= s.length) break;
      v += s[i];
      i++;
    }
    if (i >= s.length) fail("unterminated quoted string");
    i++;
    return v;
  };
  // Skip empty list elements.
  const commas = (): boolean => {
    ws();
    let saw = false;
    while (s[i] === ",") {
      i++;
      saw = true;
      ws();
    }
    return saw;
  };
  commas();
  while (i < s.length) {
    const scheme = token();
    if (scheme === "") fail("expected an auth scheme");
    const params: Record<string, string> = {};
    out.push({ scheme: scheme.toLowerCase(), params });
    ws();
    // token68 (e.g. `Negotiate abc==`) or auth-params.
    for (;;) {
      const sawComma = commas();
      if (i >= s.length) break;
      const save = i;
      const key = token();
      ws();
      if (key !== "" && s[i] === "=") {
        i++;
        ws();
        const value = s[i] === '"' ? quoted() : token();
        if (key.toLowerCase() !== "__proto__") params[key.toLowerCase()] = value;
        ws();
        if (i < s.length && s[i] !== ",") fail("expected ',' after a parameter");
        continue;
      }
      if (key !== "" && Object.keys(params).length === 0 && !sawComma) {
        // token68 right after the scheme: keep it as the `token68` parameter.
        i = save;
        const start = i;
        while (i < s.length && TOKEN68_CHAR.test(s.charAt(i))) i++;
        while (s[i] === "=") i++;
        params["token68"] = s.slice(start, i);
        ws();
        if (i < s.length && s[i] !== ",") fail("expected ',' after token68");
        continue;
      }
      // A new challenge starts here.
      i = save;
      if (key === "") fail("expected a parameter name");
      break;
    }
  }
  return out;
}

/** The first challenge with scheme `scheme` (case-insensitive). */
export function findChallenge(challenges: readonly AuthChallenge[], scheme: string): AuthChallenge | undefined {
  const want = scheme.toLowerCase();
  return challenges.find((c) => c.scheme === want);
}
