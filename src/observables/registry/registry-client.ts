import { Observable, defer, of, switchMap } from "rxjs";
import { Authorizer, repositoryScope, type RegistryAuth } from "./auth.js";
import { exchange$, mustParseUrl, type HttpRequest } from "./http.js";
import { Limiter } from "./limiter.js";
import { isLocalhost, registryHost } from "../oci/reference.js";

/** Options of a {@link RegistryClient}. */
export interface RegistryClientOptions {
  /**
   * Credentials keyed by registry host (`{ "ghcr.io": { username, password } }`), or a function
   * of the host (e.g. {@link dockerConfigAuth}`()`). Default: anonymous. See {@link RegistryAuth}.
   */
  readonly auth?: RegistryAuth;
  /**
   * Speak plain HTTP instead of HTTPS: `true`, `false`, or a function of the host. Default: HTTP
   * only for localhost, `127.0.0.0/8` and `::1` (containerd's `IsLocalhost`), HTTPS elsewhere.
   * A host made plain HTTP here (`true`, or the function saying so) is also "explicitly
   * insecure": a token realm on it may receive credentials over `http://`.
   */
  readonly plainHttp?: boolean | ((host: string) => boolean);
  /** Maps a reference's domain to the host to contact. Default: docker.io → registry-1.docker.io. */
  readonly host?: (domain: string) => string;
  /** At most this many HTTP exchanges at once through this client (blob transfers). Default 8. */
  readonly maxConcurrency?: number;
  /** Extra headers on every registry request (not on the token server's). */
  readonly headers?: Readonly<Record<string, string>>;
  /** `User-Agent`. Default `rxcontainerd`. */
  readonly userAgent?: string;
}

/** One request to a repository of a registry, before auth and URL resolution. */
export interface RepositoryRequest {
  /** The reference's domain (`docker.io`, `localhost:5000`). */
  readonly domain: string;
  /** The repository path (`library/busybox`). */
  readonly repository: string;
  readonly method: string;
  /** Path under `/v2/<repository>/`, e.g. `manifests/latest`; or an absolute URL (upload locations). */
  readonly path: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: HttpRequest["body"];
  /** Needs push access (scope `pull,push`). */
  readonly push?: boolean;
}

/**
 * A registry (OCI distribution v2) HTTP client: the transport, auth and concurrency shared by
 * resolving, fetching and pushing. Use the functions in `resolve.ts`, `fetch.ts` and `push.ts`, or
 * the methods of {@link Registry} built on it.
 */
export class RegistryClient {
  readonly authorizer: Authorizer;
  readonly limiter: Limiter;

  constructor(readonly options: RegistryClientOptions = {}) {
    this.authorizer = new Authorizer(options.auth, {
      plainHttp: (host) => this.schemeOf(host) === "http",
      explicitlyInsecure: (host) => {
        const p = this.options.plainHttp;
        return p === true || (typeof p === "function" && p(host));
      },
    });
    this.limiter = new Limiter(options.maxConcurrency ?? 8);
  }

  /** The host serving `domain`. */
  hostOf(domain: string): string {
    return this.options.host ? this.options.host(domain) : registryHost(domain);
  }

  /** `http` or `https` for `host`. */
  schemeOf(host: string): "http" | "https" {
    const p = this.options.plainHttp;
    const plain = typeof p === "function" ? p(host) : (p ?? isLocalhost(host));
    return plain ? "http" : "https";
  }

  /** `scheme://host/v2/<repository>/`. */
  repositoryUrl(domain: string, repository: string): string {
    const host = this.hostOf(domain);
    return `${this.schemeOf(host)}://${host}/v2/${repository}/`;
  }

  /**
   * Sends a repository request, authorizing it as needed: with a known token or credentials, or
   * anonymously; on 401 learns the challenge and retries once. An absolute `path` on another host
   * (an upload `Location` pointing at storage) is sent without credentials. `handle` gets the final response
   * (any status other than the handled 401). Cold; unsubscribing aborts the exchange. A URL that
   * does not parse (a bad `host` mapping, path or `Location`) is an InvalidArgumentError in the
   * error channel.
   */
  request$<T>(req: RepositoryRequest, handle: (res: Response, url: string) => Observable<T>): Observable<T> {
    return defer(() => this.send$(req, handle));
  }

  private send$<T>(req: RepositoryRequest, handle: (res: Response, url: string) => Observable<T>): Observable<T> {
    const host = this.hostOf(req.domain);
    const scope = repositoryScope(req.repository, req.push === true);
    const registryUrl = mustParseUrl(
      this.repositoryUrl(req.domain, req.repository),
      undefined,
      `registry URL of ${JSON.stringify(req.domain)}`,
    );
    const target = /^https?:\/\//i.test(req.path)
      ? mustParseUrl(req.path, undefined, "URL")
      : mustParseUrl(req.path, registryUrl.toString(), "path");
    const url = target.toString();
    // Credentials go only to the registry itself (same host and scheme), never to another host
    // named by a Location, nor to it over plain HTTP when it is spoken to over HTTPS.
    const sameHost = target.host === registryUrl.host && target.protocol === registryUrl.protocol;
    const attempt = (retried: boolean): Observable<T> =>
      (sameHost ? this.authorizer.header$(host, scope) : of(undefined)).pipe(
        switchMap((authorization) => {
          const headers: Record<string, string> = {
            "user-agent": this.options.userAgent ?? "rxcontainerd",
            ...this.options.headers,
            ...req.headers,
            ...(authorization ? { authorization } : {}),
          };
          const http: HttpRequest = {
            method: req.method,
            url,
            headers,
            ...(req.body === undefined ? {} : { body: req.body }),
          };
          return exchange$(http, (res) => {
            const challenges = res.status === 401 ? wwwAuthenticate(res.headers) : [];
            if (res.status !== 401 || retried || !sameHost || challenges.length === 0 || typeof req.body === "function")
              return handle(res, url);
            return defer(() => {
              res.body?.cancel().catch(() => undefined);
              return this.authorizer.challenge$(host, scope, challenges);
            }).pipe(switchMap((retry) => (retry ? attempt(true) : handle(res, url))));
          });
        }),
      );
    return attempt(false);
  }
}

/** All `WWW-Authenticate` values of a response (fetch joins repeated headers with ", "). */
function wwwAuthenticate(headers: Headers): string[] {
  const v = headers.get("www-authenticate");
  return v === null ? [] : [v];
}
