import { Metadata, type Client } from "@grpc/grpc-js";
import { VersionService } from "../../generated/github.com/containerd/containerd/api/services/version/v1/version.js";
import { Empty } from "../../generated/google/protobuf/empty.js";
import { NotImplementedError, type ContainerdError } from "../errors/containerd-error.js";
import { versionAtLeastSince } from "./daemon-version.js";

/** Which daemons serve a service or method that not every supported line has. */
export interface Availability {
  /** What the user called it, e.g. `Transfer` or `Introspection.PluginInfo`. */
  readonly name: string;
  /** The first containerd `major.minor` that serves it. */
  readonly since?: string;
  /** When it depends on something else than containerd's version: what a daemon needs. */
  readonly needs?: string;
}

/**
 * The services (`/pkg.Service/`) and methods (`/pkg.Service/Method`) of the 2.x API that older
 * lines lack, with the first containerd version that has them. Checked against 1.6.20, 1.7.24
 * and 2.1.9 (docs/compatibility.md). Add a row when a wrapper for a newer service is added.
 */
export const AVAILABILITY: Readonly<Record<string, Availability>> = {
  "/containerd.services.transfer.v1.Transfer/": { name: "Transfer", since: "1.7" },
  "/containerd.services.streaming.v1.Streaming/": { name: "Streaming", since: "1.7" },
  "/containerd.services.sandbox.v1.Store/": { name: "Sandbox store", since: "1.7" },
  "/containerd.services.sandbox.v1.Controller/": { name: "Sandbox controller", since: "1.7" },
  "/containerd.services.introspection.v1.Introspection/PluginInfo": {
    name: "Introspection.PluginInfo",
    since: "2.0",
  },
  "/grpc.health.v1.Health/List": {
    name: "Health.List",
    needs:
      "a daemon built with a gRPC library that has the newer health protocol (Debian's containerd 2.1.9 has it; 1.6 and 1.7 do not)",
  },
};

/** The row of {@link AVAILABILITY} for an RPC path, if any (a method's row wins over its service's). */
export function availabilityOf(path: string): Availability | undefined {
  return AVAILABILITY[path] ?? AVAILABILITY[path.slice(0, path.lastIndexOf("/") + 1)];
}

/**
 * The daemon's version (`Version.Version`), asked once per channel and cached; a failed ask is not
 * cached. Only used to explain an UNIMPLEMENTED answer, so it never delays a successful call.
 * @internal
 */
export function daemonVersionProbe(client: Client, timeoutMs = 5_000): () => Promise<string | undefined> {
  const ask = () =>
    new Promise<string | undefined>((resolve) => {
      const def = VersionService.version;
      try {
        client.makeUnaryRequest(
          def.path,
          def.requestSerialize,
          def.responseDeserialize,
          Empty.fromPartial({}),
          new Metadata(),
          { deadline: Date.now() + timeoutMs },
          (err, res) => resolve(err || !res ? undefined : res.version),
        );
      } catch {
        resolve(undefined); // e.g. the channel was closed
      }
    });
  let cached: Promise<string | undefined> | undefined;
  return () => {
    if (!cached) {
      const asked = (cached = ask());
      void asked.then((v) => {
        if (v === undefined && cached === asked) cached = undefined; // not cached: ask again next time
      });
    }
    return cached;
  };
}

/**
 * Explains an UNIMPLEMENTED answer to a service or method listed in {@link AVAILABILITY} with
 * what the daemon itself reports (its version, from `daemonVersion`), never an assumption:
 * `Transfer needs containerd >= 1.7; this daemon is 1.6.20 (unknown service …)`. A daemon recent
 * enough that still answers UNIMPLEMENTED is said to have it disabled. The NotImplementedError
 * carries the row's `since` and the `daemonVersion` as fields, so a caller can add to the
 * explanation without asking again. Returns `error` unchanged for other paths and other errors.
 */
export async function explainUnimplemented(
  error: ContainerdError,
  path: string,
  daemonVersion: () => Promise<string | undefined>,
): Promise<ContainerdError> {
  const row = error.kind === "not-implemented" ? availabilityOf(path) : undefined;
  if (!row) return error;
  const version = await daemonVersion().catch(() => undefined);
  const daemon = version ? `this daemon is ${version}` : "this daemon did not report its version";
  let text: string;
  if (row.since) {
    const recent = versionAtLeastSince(version, row.since);
    text = recent
      ? `${row.name} is served by containerd >= ${row.since} and ${daemon}, yet it answered UNIMPLEMENTED: ` +
        "the service is probably disabled in the daemon's configuration (disabled_plugins)"
      : `${row.name} needs containerd >= ${row.since}; ${daemon}`;
  } else {
    text = `${row.name} needs ${row.needs ?? "a newer daemon"}; ${daemon}`;
  }
  return new NotImplementedError(`${text} (${error.rawMessage})`, {
    code: error.code,
    cause: error.cause,
    details: error.details,
    metadata: error.metadata,
    method: error.method,
    ...(row.since ? { since: row.since } : {}),
    ...(version ? { daemonVersion: version } : {}),
  });
}
