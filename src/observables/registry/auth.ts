import {
  Observable,
  catchError,
  defer,
  finalize,
  from,
  isObservable,
  map,
  of,
  shareReplay,
  switchMap,
  throwError,
} from "rxjs";
import { InvalidArgumentError, UnauthenticatedError } from "../../errors/containerd-error.js";
import { exchange$, failWith$, mustParseUrl, readBody$ } from "./http.js";
import { type AuthChallenge, findChallenge, parseWWWAuthenticate } from "./www-authenticate.js";

/**
 * Credentials for one registry host: a user name and password (or an access token as the
 * password), a ready bearer token, or an OAuth identity (refresh) token as `docker login` stores
 * for some registries.
 */
export type RegistryCredentials =
  | { readonly username: string; readonly password: string }
  | { readonly token: string }
  | { readonly identityToken: string; readonly username?: string };

/** What a credentials lookup may return: the credentials, undefined (anonymous), or either later. */
export type CredentialsAnswer = RegistryCredentials | undefined;

/**
 * A function of the registry host (`registry-1.docker.io`, `localhost:5000`: the host actually
 * contacted) returning its credentials, undefined (anonymous), or a Promise or Observable of
 * either. Like Go's `WithAuthCreds(func(host string) …)`. {@link dockerConfigAuth} makes one from
 * `~/.docker/config.json`.
 */
export type CredentialsLookup = (
  host: string,
) => CredentialsAnswer | Promise<CredentialsAnswer> | Observable<CredentialsAnswer>;

/**
 * The `auth` option: credentials keyed by registry host (`{ "registry.example:5000": { username,
 * password } }`; `docker.io`, `index.docker.io` and `https://index.docker.io/v1/` all name
 * Docker Hub; a scheme or path in a key is ignored), or a {@link CredentialsLookup}. Credentials
 * are only ever sent to their own host, and to the token realm that host's challenge names under
 * the rules of {@link Authorizer}.
 */
export type RegistryAuth = Readonly<Record<string, RegistryCredentials>> | CredentialsLookup;

/** Options of an {@link Authorizer}. */
export interface AuthorizerOptions {
  /** Clock for token expiry. */
  readonly now?: () => number;
  /** Is `host` spoken to over plain HTTP (the client's scheme choice, defaults included)? */
  readonly plainHttp?: (host: string) => boolean;
  /** Did the user explicitly name `host` as plain HTTP (`plainHttp: true` or a function saying so)? */
  readonly explicitlyInsecure?: (host: string) => boolean;
}

/** The hosts that are Docker Hub. */
const DOCKER_HUB = new Set(["docker.io", "index.docker.io", "registry-1.docker.io"]);

/**
 * A host key as the `auth` map or docker's config.json writes it (`https://index.docker.io/v1/`,
 * `registry.example:5000`, `http://reg.lan/`), reduced to `host[:port]`, lower case; Docker
 * Hub's names become `docker.io`.
 */
export function normalizeHostKey(key: string): string {
  let k = key.trim().toLowerCase();
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//.exec(k);
  if (scheme) k = k.slice(scheme[0].length);
  const slash = k.indexOf("/");
  if (slash >= 0) k = k.slice(0, slash);
  return DOCKER_HUB.has(k) ? "docker.io" : k;
}

/** Is `v` one credentials object (rather than a map of them)? */
function isCredentials(v: unknown): v is RegistryCredentials {
  if (typeof v !== "object" || v === null) return false;
  const o = v as Record<string, unknown>;
  return (
    typeof o["token"] === "string" ||
    typeof o["identityToken"] === "string" ||
    (typeof o["username"] === "string" && typeof o["password"] === "string")
  );
}

/** The lookup for an `auth` option, or the InvalidArgumentError that the option is malformed. */
function lookupFor(auth: RegistryAuth | undefined): CredentialsLookup {
  if (auth === undefined) return () => undefined;
  if (typeof auth === "function") return auth;
  const invalid =
    (e: InvalidArgumentError): CredentialsLookup =>
    () =>
      throwError(() => e);
  if (typeof auth !== "object" || auth === null || isCredentials(auth)) {
    return invalid(
      new InvalidArgumentError(
        'auth must be keyed by registry host, e.g. { "registry.example:5000": { username, password } }, or be a function of the host',
      ),
    );
  }
  const byHost = new Map<string, RegistryCredentials>();
  for (const [key, value] of Object.entries(auth)) {
    if (!isCredentials(value))
      return invalid(
        new InvalidArgumentError(
          `auth[${JSON.stringify(key)}] is not { username, password }, { token } or { identityToken }`,
        ),
      );
    byHost.set(normalizeHostKey(key), value);
  }
  return (host) => byHost.get(normalizeHostKey(host));
}

/** Is `realm` a host that may receive `host`'s credentials (see {@link Authorizer})? @internal */
export function realmMayReceive(
  host: string,
  realm: URL,
  options: Pick<AuthorizerOptions, "plainHttp" | "explicitlyInsecure">,
): boolean {
  if (realm.protocol === "https:") return true;
  if (realm.protocol !== "http:") return false;
  if (options.explicitlyInsecure?.(realm.host)) return true;
  return normalizeHostKey(realm.host) === normalizeHostKey(host) && options.plainHttp?.(host) === true;
}

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

/** The largest token server answer read (a token response is a few KiB). */
export const MAX_TOKEN_RESPONSE = 1024 * 1024;

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
 * `account`; an identity token is exchanged by the OAuth POST), cached per host and scope until it
 * expires; `Basic` sends the credentials with every request to that host. A `{ token }` credential
 * is sent as `Bearer` to its own host without asking anyone.
 *
 * Credentials are looked up by the host contacted, once per host per Authorizer, and go only:
 * to that host; and to the token realm its challenge names (as docker does, e.g. from
 * `registry-1.docker.io` to `auth.docker.io`) when the realm is `https://`, or `http://` on a host
 * the user explicitly made plain HTTP, or `http://` on the registry's own host when that registry
 * is spoken to over plain HTTP anyway. Otherwise the token is requested anonymously.
 */
export class Authorizer {
  private readonly challenges = new Map<string, AuthChallenge>();
  private readonly tokens = new Map<string, CachedToken>();
  private readonly pending = new Map<string, Observable<string>>();
  private readonly found = new Map<string, Observable<CredentialsAnswer>>();
  private readonly lookup: CredentialsLookup;
  private readonly now: () => number;

  constructor(
    auth: RegistryAuth | undefined,
    private readonly options: AuthorizerOptions = {},
  ) {
    this.lookup = lookupFor(auth);
    this.now = options.now ?? Date.now;
  }

  /** Tokens fetched so far (for tests and diagnostics). */
  tokensFetched = 0;

  /**
   * The credentials for `host`: looked up once (shared by concurrent callers, cached for the
   * Authorizer's life; a failed lookup is retried next time). A malformed `auth` option or a
   * lookup that throws errors here.
   */
  credentials$(host: string): Observable<CredentialsAnswer> {
    return defer(() => {
      const lookup = this.lookup;
      const key = normalizeHostKey(host);
      const known = this.found.get(key);
      if (known) return known;
      const answer$ = defer(() => {
        const a = lookup(host);
        return isObservable(a) ? a : from(Promise.resolve(a));
      }).pipe(
        map((c) => {
          if (c !== undefined && !isCredentials(c))
            throw new InvalidArgumentError(`auth lookup for ${host} returned something that is not credentials`);
          return c;
        }),
        catchError((e: unknown) => {
          this.found.delete(key);
          return throwError(() => e);
        }),
        shareReplay({ bufferSize: 1, refCount: false }),
      );
      this.found.set(key, answer$);
      return answer$;
    });
  }

  /** The `Authorization` header for a request to `host` needing `scope`, if any is known yet. */
  header$(host: string, scope: string): Observable<string | undefined> {
    return this.credentials$(host).pipe(
      switchMap((creds) => {
        if (creds && "token" in creds) return of(`Bearer ${creds.token}`);
        const challenge = this.challenges.get(host);
        if (!challenge) return of(undefined);
        if (challenge.scheme === "basic")
          return of(creds && "password" in creds ? basicHeader(creds.username, creds.password) : undefined);
        return this.token$(host, challenge, scope, creds).pipe(map((t) => `Bearer ${t}`));
      }),
    );
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
        return this.credentials$(host).pipe(map((c) => c !== undefined && "password" in c));
      }
      return of(false);
    });
  }

  private token$(host: string, challenge: AuthChallenge, scope: string, creds: CredentialsAnswer): Observable<string> {
    const key = `${host} ${scope}`;
    return defer(() => {
      const cached = this.tokens.get(key);
      if (cached && cached.expiresAt > this.now()) return of(cached.token);
      const inflight = this.pending.get(key);
      if (inflight) return inflight;
      // One fetch per host and scope, shared by everyone who needs it meanwhile; cancelled only
      // when all of them have unsubscribed.
      const shared = this.fetchToken$(key, host, challenge, scope, creds).pipe(
        finalize(() => {
          if (this.pending.get(key) === shared) this.pending.delete(key);
        }),
        shareReplay({ bufferSize: 1, refCount: true }),
      );
      this.pending.set(key, shared);
      return shared;
    });
  }

  private fetchToken$(
    key: string,
    host: string,
    challenge: AuthChallenge,
    scope: string,
    creds: CredentialsAnswer,
  ): Observable<string> {
    return defer(() => {
      const realm = challenge.params["realm"] ?? "";
      const url = mustParseUrl(realm, undefined, `bearer challenge realm of ${host}`);
      if (url.protocol !== "https:" && url.protocol !== "http:")
        throw new InvalidArgumentError(`bearer challenge realm ${JSON.stringify(realm)} of ${host} is not http(s)`);
      const scopes = [...new Set([scope, ...(challenge.params["scope"] ?? "").split(" ").filter((s) => s !== "")])];
      const service = challenge.params["service"];
      // The registry's credentials go to its realm only under the rules in the class doc.
      const send = creds !== undefined && !("token" in creds) && realmMayReceive(host, url, this.options);
      const headers: Record<string, string> = { accept: "application/json" };
      let req: { method: string; url: string; headers: Record<string, string>; body?: Uint8Array };
      if (send && "identityToken" in creds) {
        // OAuth2 refresh-token grant (docker's token spec, POST form), as containerd sends it.
        const form = new URLSearchParams({
          grant_type: "refresh_token",
          refresh_token: creds.identityToken,
          client_id: "rxcontainerd",
        });
        if (service) form.set("service", service);
        form.set("scope", scopes.join(" "));
        headers["content-type"] = "application/x-www-form-urlencoded";
        req = { method: "POST", url: url.toString(), headers, body: Buffer.from(form.toString()) };
      } else {
        if (service) url.searchParams.set("service", service);
        for (const s of scopes) url.searchParams.append("scope", s);
        if (send && "password" in creds) {
          url.searchParams.set("account", creds.username);
          headers["authorization"] = basicHeader(creds.username, creds.password);
        }
        req = { method: "GET", url: url.toString(), headers };
      }
      this.tokensFetched++;
      const tooBig = (n: number) =>
        new UnauthenticatedError(
          `token server ${url.origin} answered with more than ${MAX_TOKEN_RESPONSE} bytes (${n})`,
        );
      return exchange$(req, (res) =>
        res.ok ? readBody$(res, MAX_TOKEN_RESPONSE, tooBig) : failWith$<Buffer>(req, res),
      ).pipe(
        map((body) => {
          let parsed: TokenResponse;
          try {
            parsed = JSON.parse(body.toString("utf8")) as TokenResponse;
          } catch {
            throw new UnauthenticatedError(`token server ${url.origin} answered with malformed JSON`);
          }
          const token = parsed.token || parsed.access_token;
          if (typeof token !== "string" || token === "")
            throw new UnauthenticatedError(`token server ${url.origin} returned no token`);
          const seconds =
            typeof parsed.expires_in === "number" && parsed.expires_in > 0 ? parsed.expires_in : DEFAULT_TOKEN_SECONDS;
          // Renew 10 % early.
          this.tokens.set(key, { token, expiresAt: this.now() + seconds * 900 });
          return token;
        }),
      );
    });
  }
}

/** `Basic base64(user:password)`. */
export function basicHeader(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`, "utf8").toString("base64")}`;
}
