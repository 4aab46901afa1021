import { Observable, defer, finalize, from, map, of, shareReplay, switchMap } from "rxjs";
import { InvalidArgumentError, UnauthenticatedError } from "../../errors/containerd-error.js";
import { exchange$, failWith$, readBody$ } from "./http.js";
import { type AuthChallenge, findChallenge, parseWWWAuthenticate } from "./www-authenticate.js";

/** Credentials for one registry: a user name and password (or access token as password), or a ready bearer token. */
export type RegistryCredentials =
  | { readonly username: string; readonly password: string }
  | { readonly token: string };

/**
 * The `auth` option: fixed credentials for every registry, or a function of the registry host
 * (`registry-1.docker.io`, `localhost:5000`) returning credentials (or undefined: anonymous).
 */
export type RegistryAuth =
  | RegistryCredentials
  | ((host: string) => RegistryCredentials | undefined | Promise<RegistryCredentials | undefined>);

/** A token server's answer (docker's token spec). */
interface TokenResponse {
  readonly token?: string;
  readonly access_token?: string;
  readonly expires_in?: number;
}

interface CachedToken {
  readonly token: string;
  readonly expiresAt: number;
}

/** Token lifetime when the server does not say (docker's spec: 60 s). */
const DEFAULT_TOKEN_SECONDS = 60;

/**
 * The `scope` of a repository request: `repository:<path>:pull` or `repository:<path>:pull,push`.
 */
export function repositoryScope(path: string, push: boolean): string {
  return `repository:${path}:${push ? "pull,push" : "pull"}`;
}

/**
 * Registry authentication like containerd's docker authorizer: requests go out anonymously
 * until a registry answers 401; its `WWW-Authenticate` challenge then decides. `Bearer` fetches a
 * token from the realm (GET with `service`, `scope` and, given credentials, basic auth and
 * `account`), cached per host and scope until it expires; `Basic` sends the credentials with every
 * request to that host. A `{ token }` credential is sent as `Bearer` without asking anyone.
 */
export class Authorizer {
  private readonly challenges = new Map<string, AuthChallenge>();
  private readonly tokens = new Map<string, CachedToken>();
  private readonly pending = new Map<string, Observable<string>>();

  constructor(private readonly auth: RegistryAuth | undefined, private readonly now: () => number = Date.now) {}

  /** Tokens fetched so far (for tests and diagnostics). */
  tokensFetched = 0;

  /** The credentials for `host`. */
  credentials$(host: string): Observable<RegistryCredentials | undefined> {
    const auth = this.auth;
    if (auth === undefined) return of(undefined);
    if (typeof auth !== "function") return of(auth);
    return defer(() => from(Promise.resolve(auth(host))));
  }

  /** The `Authorization` header for a request to `host` needing `scope`, if any is known yet. */
  header$(host: string, scope: string): Observable<string | undefined> {
    return this.credentials$(host).pipe(switchMap((creds) => {
      if (creds && "token" in creds) return of(`Bearer ${creds.token}`);
      const challenge = this.challenges.get(host);
      if (!challenge) return of(undefined);
      if (challenge.scheme === "basic") return of(creds ? basicHeader(creds.username, creds.password) : undefined);
      return this.token$(host, challenge, scope, creds).pipe(map((t) => `Bearer ${t}`));
    }));
  }

  /**
   * Learns from a 401's `WWW-Authenticate` values. Emits true when a retry may succeed (a new
   * bearer challenge, or basic with credentials), false otherwise. Malformed headers are an
   * {@link InvalidArgumentError}.
   */
  challenge$(host: string, scope: string, wwwAuthenticate: readonly string[]): Observable<boolean> {
    return defer(() => {
      const challenges = parseWWWAuthenticate(wwwAuthenticate);
      const bearer = findChallenge(challenges, "bearer");
      const basic = findChallenge(challenges, "basic");
      if (bearer) {
        if (!bearer.params["realm"]) throw new InvalidArgumentError(`bearer challenge of ${host} has no realm`);
        this.challenges.set(host, bearer);
        this.tokens.delete(`${host} ${scope}`);
        return of(true);
      }
      if (basic) {
        this.challenges.set(host, basic);
        return this.credentials$(host).pipe(map((c) => c !== undefined && "username" in c));
      }
      return of(false);
    });
  }

  private token$(host: string, challenge: AuthChallenge, scope: string, creds: RegistryCredentials | undefined): Observable<string> {
    const key = `${host} ${scope}`;
    return defer(() => {
      const cached = this.tokens.get(key);
      if (cached && cached.expiresAt > this.now()) return of(cached.token);
      const inflight = this.pending.get(key);
      if (inflight) return inflight;
      // One fetch per host and scope, shared by everyone who needs it meanwhile; cancelled only
      // when all of them have unsubscribed.
      const shared = this.fetchToken$(key, challenge, scope, creds).pipe(
        finalize(() => { if (this.pending.get(key) === shared) this.pending.delete(key); }),
        shareReplay({ bufferSize: 1, refCount: true }),
      );
      this.pending.set(key, shared);
      return shared;
    });
  }

  private fetchToken$(key: string, challenge: AuthChallenge, scope: string, creds: RegistryCredentials | undefined): Observable<string> {
    return defer(() => {
      const realm = challenge.params["realm"] ?? "";
      let url: URL;
      try {
        url = new URL(realm);
      } catch {
        throw new InvalidArgumentError(`bearer challenge realm ${JSON.stringify(realm)} is not a URL`);
      }
      if (challenge.params["service"]) url.searchParams.set("service", challenge.params["service"]);
      const scopes = new Set([scope, ...(challenge.params["scope"] ?? "").split(" ").filter((s) => s !== "")]);
      for (const s of scopes) url.searchParams.append("scope", s);
      const headers: Record<string, string> = { accept: "application/json" };
      if (creds && "username" in creds) {
        url.searchParams.set("account", creds.username);
        headers["authorization"] = basicHeader(creds.username, creds.password);
      }
      const req = { method: "GET", url: url.toString(), headers };
      this.tokensFetched++;
      return exchange$(req, (res) => (res.ok ? readBody$(res) : failWith$<Buffer>(req, res))).pipe(map((body) => {
        let parsed: TokenResponse;
        try {
          parsed = JSON.parse(body.toString("utf8")) as TokenResponse;
        } catch {
          throw new UnauthenticatedError(`token server ${url.origin} answered with malformed JSON`);
        }
        const token = parsed.token || parsed.access_token;
        if (typeof token !== "string" || token === "") throw new UnauthenticatedError(`token server ${url.origin} returned no token`);
        const seconds = typeof parsed.expires_in === "number" && parsed.expires_in > 0 ? parsed.expires_in : DEFAULT_TOKEN_SECONDS;
        // Renew 10 % early.
        this.tokens.set(key, { token, expiresAt: this.now() + seconds * 900 });
        return token;
      }));
    });
  }
}

/** `Basic base64(user:password)`. */
export function basicHeader(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`, "utf8").toString("base64")}`;
}
