// OCI image configuration (image-spec `specs-go/v1/config.go`), as JSON data. Field names are the
// image spec's JSON names: capitalised inside `config`, lower/snake case at the top level.
// Docker writes `null` for unset lists and maps, so those fields also accept null.

/**
 * The execution defaults an image carries (the config file's `config` object). Consumed by
 * `withImageConfig`.
 *
 * @example
 * ```ts
 * const config: ImageConfig = {
 *   User: "app", Env: ["PATH=/usr/bin:/bin"], Entrypoint: ["/entry.sh"], Cmd: ["serve"],
 *   WorkingDir: "/srv", ExposedPorts: { "8080/tcp": {} }, StopSignal: "SIGTERM",
 * };
 * ```
 */
export interface ImageConfig {
  /** `user`, `uid`, `user:group`, `uid:gid`, `uid:group` or `user:gid`. */
  User?: string;
  /** Keys like `"80/tcp"`; values are empty objects. */
  ExposedPorts?: Record<string, Record<string, unknown>> | null;
  /** `KEY=value` entries. */
  Env?: string[] | null;
  Entrypoint?: string[] | null;
  Cmd?: string[] | null;
  /** Keys are paths; values are empty objects. */
  Volumes?: Record<string, Record<string, unknown>> | null;
  WorkingDir?: string;
  Labels?: Record<string, string> | null;
  /** e.g. `"SIGTERM"` or `"9"`. */
  StopSignal?: string;
  /** Deprecated, Windows only. */
  ArgsEscaped?: boolean;
}

/**
 * One entry of an image config's layer history.
 *
 * @example
 * ```ts
 * const h: ImageHistory = { created: "2024-01-01T00:00:00Z", created_by: "/bin/sh -c #(nop) CMD [\"sh\"]", empty_layer: true };
 * ```
 */
export interface ImageHistory {
  created?: string;
  created_by?: string;
  author?: string;
  comment?: string;
  empty_layer?: boolean;
}

/**
 * An image's configuration blob (media type `application/vnd.oci.image.config.v1+json` or the
 * Docker schema 2 equivalent), as parsed JSON.
 *
 * @example
 * ```ts
 * const file = JSON.parse(new TextDecoder().decode(blob)) as ImageConfigFile;
 * console.log(file.os, file.architecture, file.rootfs.diff_ids.length, file.config?.Cmd);
 * ```
 */
export interface ImageConfigFile {
  created?: string;
  author?: string;
  architecture: string;
  os: string;
  "os.version"?: string;
  "os.features"?: string[];
  variant?: string;
  config?: ImageConfig;
  rootfs: { type: string; diff_ids: string[] };
  history?: ImageHistory[];
}
