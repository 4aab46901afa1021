import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { Observable } from "rxjs";
import { ContainerdError, InvalidArgumentError, UnauthenticatedError } from "../../errors/containerd-error.js";
import { type CredentialsAnswer, normalizeHostKey } from "./auth.js";

/** Options of {@link dockerConfigAuth}. */
export interface DockerConfigAuthOptions {
  /**
   * The config file. Default: `$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`. Read
   * on each lookup (a `Registry` looks each host up once), so a later `docker login` is seen.
   */
  readonly path?: string;
  /** A credential helper that has not answered after this long fails. Default 30 s. */
  readonly helperTimeoutMs?: number;
  /** Environment of credential helpers (and where `PATH` finds them). Default `process.env`. */
  readonly env?: NodeJS.ProcessEnv;
}

/** docker's key for Docker Hub in config.json and for credential helpers. */
const DOCKER_HUB_SERVER = "https://index.docker.io/v1/";

interface AuthEntry {
  readonly auth?: string;
  readonly username?: string;
  readonly password?: string;
  readonly identitytoken?: string;
  readonly registrytoken?: string;
}

interface DockerConfig {
  readonly auths?: Readonly<Record<string, AuthEntry>>;
  readonly credsStore?: string;
  readonly credHelpers?: Readonly<Record<string, string>>;
}

/**
 * A credentials lookup (the `auth` option of `Registry`, `pull$`, `push$`) reading docker's
 * `config.json` as `docker login` writes it, the source users expect:
 *
 * - `credHelpers[host]` names a helper for that host; else `credsStore` one for every host. The
 *   helper `docker-credential-<name>` is run with `execFile` (no shell) as `get`, the server
 *   (`https://index.docker.io/v1/` for Docker Hub, else the host) on stdin; its JSON
 *   `{ Username, Secret }` answers. A `Username` of `<token>` makes `Secret` an identity token.
 *   "credentials not found" is anonymous; any other failure an UnauthenticatedError.
 * - Otherwise `auths[host]`: `auth` (base64 `user:password`) or `username`/`password`,
 *   `identitytoken` (an OAuth refresh token) or `registrytoken` (a bearer token).
 *
 * Keys match by host (`https://`, paths and Docker Hub's aliases are ignored). A missing file is
 * anonymous; a malformed one an InvalidArgumentError. Each lookup is a cold Observable;
 * unsubscribing kills a running helper.
 *
 * @example
 * ```ts
 * const registry = new Registry({ auth: dockerConfigAuth() });
 * const containerd = new Containerd();
 * containerd.images.pull$("ghcr.io/me/app:1", { registry }).subscribe();
 * ```
 */
export function dockerConfigAuth(
  options: DockerConfigAuthOptions = {},
): (host: string) => Observable<CredentialsAnswer> {
  return (host) =>
    new Observable<CredentialsAnswer>((sub) => {
      const ac = new AbortController();
      lookup(host, options, ac.signal).then(
        (creds) => {
          sub.next(creds);
          sub.complete();
        },
        (e: unknown) => {
          if (!ac.signal.aborted)
            sub.error(
              e instanceof ContainerdError ? e : new UnauthenticatedError(`docker config: ${String(e)}`, { cause: e }),
            );
        },
      );
      return () => ac.abort();
    });
}

/** The config file {@link dockerConfigAuth} reads by default. */
export function dockerConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(env["DOCKER_CONFIG"] || join(homedir(), ".docker"), "config.json");
}

async function lookup(host: string, options: DockerConfigAuthOptions, signal: AbortSignal): Promise<CredentialsAnswer> {
  const env = options.env ?? process.env;
  const path = options.path ?? dockerConfigPath(env);
  let text: string;
  try {
    text = await readFile(path, { encoding: "utf8", signal });
  } catch (e) {
    if ((e as { code?: unknown }).code === "ENOENT") return undefined;
    throw new UnauthenticatedError(`cannot read docker config ${path}: ${String(e)}`, { cause: e });
  }
  let config: DockerConfig;
  try {
    config = JSON.parse(text) as DockerConfig;
    if (typeof config !== "object" || config === null) throw new TypeError("not an object");
  } catch (e) {
    throw new InvalidArgumentError(`docker config ${path} is not valid JSON`, { cause: e });
  }
  const want = normalizeHostKey(host);
  const hub = want === "docker.io";
  const find = <T>(map: Readonly<Record<string, T>> | undefined): T | undefined => {
    if (!map || typeof map !== "object") return undefined;
    if (hub && map[DOCKER_HUB_SERVER] !== undefined) return map[DOCKER_HUB_SERVER];
    const key = Object.keys(map).find((k) => normalizeHostKey(k) === want);
    return key === undefined ? undefined : map[key];
  };
  const helper = find(config.credHelpers) ?? (config.credsStore || undefined);
  if (helper !== undefined) return runHelper(helper, hub ? DOCKER_HUB_SERVER : host, options, env, signal);
  const entry = find(config.auths);
  return entry === undefined ? undefined : fromEntry(entry, host, path);
}

function fromEntry(entry: AuthEntry, host: string, path: string): CredentialsAnswer {
  if (typeof entry !== "object" || entry === null)
    throw new InvalidArgumentError(`docker config ${path}: auths entry for ${host} is not an object`);
  let username = entry.username ?? "";
  let password = entry.password ?? "";
  if (entry.auth) {
    const decoded = Buffer.from(entry.auth, "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    if (colon < 0)
      throw new InvalidArgumentError(`docker config ${path}: the auth of ${host} is not base64 of user:password`);
    username = decoded.slice(0, colon);
    password = decoded.slice(colon + 1);
  }
  if (entry.identitytoken) return { identityToken: entry.identitytoken, ...(username ? { username } : {}) };
  if (entry.registrytoken) return { token: entry.registrytoken };
  if (username !== "" || password !== "") return { username, password };
  return undefined;
}

async function runHelper(
  name: string,
  server: string,
  options: DockerConfigAuthOptions,
  env: NodeJS.ProcessEnv,
  signal: AbortSignal,
): Promise<CredentialsAnswer> {
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(name))
    throw new InvalidArgumentError(`docker config: credential helper name ${JSON.stringify(name)} is not valid`);
  const program = `docker-credential-${name}`;
  const out = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve, reject) => {
    const child = execFile(
      program,
      ["get"],
      { env, signal, timeout: options.helperTimeoutMs ?? 30_000, maxBuffer: 1 << 20, encoding: "utf8" },
      (err, stdout, stderr) => {
        if (err && typeof (err as { code?: unknown }).code !== "number") {
          reject(err);
          return;
        }
        resolve({ code: err ? Number((err as { code?: unknown }).code) : 0, stdout, stderr });
      },
    );
    child.stdin?.on("error", () => undefined);
    child.stdin?.end(server);
  }).catch((e: unknown) => {
    if (signal.aborted) throw e;
    const why = (e as { code?: unknown }).code === "ENOENT" ? "not found on PATH" : String(e);
    throw new UnauthenticatedError(`credential helper ${program}: ${why}`, { cause: e });
  });
  if (out.code !== 0) {
    if (/credentials not found/i.test(`${out.stdout}${out.stderr}`)) return undefined;
    throw new UnauthenticatedError(
      `credential helper ${program} get ${server} exited ${out.code}: ${(out.stderr || out.stdout).trim().slice(0, 200)}`,
    );
  }
  let answer: { Username?: unknown; Secret?: unknown };
  try {
    answer = JSON.parse(out.stdout) as { Username?: unknown; Secret?: unknown };
  } catch (e) {
    throw new UnauthenticatedError(`credential helper ${program} answered with malformed JSON`, { cause: e });
  }
  const username = typeof answer.Username === "string" ? answer.Username : "";
  const secret = typeof answer.Secret === "string" ? answer.Secret : "";
  if (secret === "" && username === "") return undefined;
  if (username === "<token>") return { identityToken: secret };
  return { username, password: secret };
}
