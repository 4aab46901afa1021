import type { Readable, Writable } from "node:stream";
import { defer, throwError, type Observable } from "rxjs";
import { InvalidArgumentError } from "../../errors/containerd-error.js";
import {
  packExportStream,
  packImageStore,
  packImportStream,
  packOciRegistry,
  type TransferPlatform,
} from "../../services/transfer-payloads.js";
import type { LongCallOptions } from "../content/store-context.js";
import type { Platform } from "../oci/media-types.js";
import { DEFAULT_PLATFORM, parsePlatform } from "../oci/platforms.js";
import { tryParseReference } from "../oci/reference.js";
import { archiveReadable, receiveArchive, sendArchive } from "./archive-streams.js";
import { answerAuth } from "./auth-stream.js";
import { runTransfer$, streamId, type SideStream, type TransferContext } from "./run-transfer.js";
import type { TransferCredentials } from "./transfer-credentials.js";
import type { TransferProgress } from "./transfer-progress.js";

/** How the daemon reaches a registry (shared by `pull$` and `push$`). */
export interface TransferRegistryOptions extends LongCallOptions {
  /** Answers the daemon's credential requests, per host ({@link hostCredentials}). Default: anonymous, or what the daemon's own configuration provides. */
  readonly credentials?: TransferCredentials;
  /**
   * containerd ≥ 2.0: the scheme for hosts without a hosts.toml entry (`http` for a plain-HTTP
   * registry). On 2.x a loopback registry with a port (`127.0.0.1:5000`) already gets plain HTTP
   * by default. 1.7 ignores this field: its Transfer resolver is HTTPS-only (docs/transfer.md).
   */
  readonly defaultScheme?: "http" | "https";
  /** containerd ≥ 2.0: a hosts.toml directory on the daemon's host (default: the daemon's configuration). */
  readonly hostDir?: string;
  /** Extra HTTP headers for the registry. */
  readonly headers?: Readonly<Record<string, string>>;
}

/** Options of {@link Transfer.pull$}. */
export interface TransferPullOptions extends TransferRegistryOptions {
  /** The platform to pull from an index. Default: the host's ({@link DEFAULT_PLATFORM}). */
  readonly platform?: Platform | string;
  /** Have the daemon unpack the image into `snapshotter` (default `overlayfs`). */
  readonly unpack?: boolean;
  readonly snapshotter?: string;
  /** Labels of the image record. */
  readonly labels?: Readonly<Record<string, string>>;
}

/** Options of {@link Transfer.push$}. */
export interface TransferPushOptions extends TransferRegistryOptions {
  /** The local image to push. Default: the reference pushed to. */
  readonly source?: string;
  /** The platform to push from a multi-platform image. Default: all the local content. */
  readonly platform?: Platform | string;
}

/** Options of {@link Transfer.import$}. */
export interface TransferImportOptions extends LongCallOptions {
  /**
   * Names the images: archive entries with a full name (`io.containerd.image.name`) keep it;
   * tag-only ones (`org.opencontainers.image.ref.name: 1.0`) become `<prefix>:<tag>`.
   * Default `import`.
   */
  readonly prefix?: string;
  /** Have the daemon unpack the images for `platform` into `snapshotter` (default `overlayfs`). */
  readonly unpack?: boolean;
  readonly snapshotter?: string;
  /** The platform to import (and unpack). Default: the host's. */
  readonly platform?: Platform | string;
  readonly labels?: Readonly<Record<string, string>>;
}

/** Options of {@link Transfer.export$}. */
export interface TransferExportOptions extends LongCallOptions {
  /** The platform to export. Default: the host's, unless `allPlatforms`. */
  readonly platform?: Platform | string;
  /** Export every platform of an index (only what the content store has). */
  readonly allPlatforms?: boolean;
}

/** Options of {@link Transfer.tag$}. */
export type TransferTagOptions = LongCallOptions;

function platformOf(p: Platform | string | undefined): TransferPlatform | InvalidArgumentError {
  let v: Platform;
  try {
    v = p === undefined ? DEFAULT_PLATFORM : typeof p === "string" ? parsePlatform(p) : p;
  } catch (e) {
    return e instanceof InvalidArgumentError ? e : new InvalidArgumentError(String(e));
  }
  return { os: v.os, architecture: v.architecture, ...(v.variant ? { variant: v.variant } : {}) };
}

function checked<T>(values: readonly unknown[], run: () => Observable<T>): Observable<T> {
  const bad = values.find((v): v is InvalidArgumentError => v instanceof InvalidArgumentError);
  return bad ? throwError(() => bad) : defer(run);
}

function registryStreams(options: TransferRegistryOptions): { authStream?: string; streams: SideStream[] } {
  if (!options.credentials) return { streams: [] };
  const id = streamId("auth");
  return { authStream: id, streams: [{ id, duplex: answerAuth(options.credentials) }] };
}

const registrySource = (reference: string, options: TransferRegistryOptions, authStream: string | undefined) =>
  packOciRegistry({
    reference,
    ...(authStream ? { authStream } : {}),
    ...(options.headers ? { headers: options.headers } : {}),
    ...(options.hostDir ? { hostDir: options.hostDir } : {}),
    ...(options.defaultScheme ? { defaultScheme: options.defaultScheme } : {}),
  });

/**
 * Daemon-side image transfers through containerd's Transfer service (containerd ≥ 1.7), as
 * `ctr image pull` does on 2.x: the daemon talks to the registry itself, with its own registry
 * configuration (hosts.toml, mirrors), and asks this client for credentials over a stream.
 * Progress arrives over the Streaming service as {@link TransferProgress} events before the
 * operation completes. Every operation runs under a lease of its own, deleted however it ends;
 * unsubscribing cancels the Transfer call and its streams. On containerd 1.6 every operation
 * fails with NotImplementedError naming the daemon's version (use `client.images` there).
 * See docs/transfer.md.
 *
 * @example
 * ```ts
 * client.transfer.pull$("127.0.0.1:5000/library/busybox:latest", { unpack: true }).subscribe((p) => {
 *   if (p.type === "downloading") console.log(p.digest, p.bytes, "/", p.total);
 *   if (p.type === "done") console.log("pulled", p.image.name);
 * });
 * ```
 */
export class Transfer {
  /** @internal */
  constructor(private readonly ctx: TransferContext) {}

  /**
   * Has the daemon pull `ref` (a full reference: `host/repo:tag`) for `platform` and store it as
   * an image record named `ref`, unpacking it with `unpack`. Emits `status` events, `downloading`
   * per blob (bytes / total), then `done` with the image. Errors: InvalidArgumentError (bad
   * reference or platform, before any RPC), NotFoundError (unknown repository or tag),
   * UnauthenticatedError (refused credentials), NotImplementedError (containerd 1.6).
   *
   * @example
   * ```ts
   * client.transfer.pull$("registry.example:5000/team/app:1", {
   *   credentials: hostCredentials({ "registry.example:5000": { username: "ci", password: "secret" } }),
   * }).subscribe((p) => p.type === "done" && console.log(p.image.target.digest));
   * ```
   */
  pull$(ref: string, options: TransferPullOptions = {}): Observable<TransferProgress> {
    const parsed = tryParseReference(ref);
    const platform = platformOf(options.platform);
    return checked([parsed, platform], () => {
      const name = (parsed as Exclude<typeof parsed, InvalidArgumentError>).string;
      const p = platform as TransferPlatform;
      return runTransfer$(
        this.ctx,
        () => {
          const { authStream, streams } = registryStreams(options);
          return {
            source: registrySource(name, options, authStream),
            destination: packImageStore({
              name,
              platforms: [p],
              ...(options.labels ? { labels: options.labels } : {}),
              ...(options.unpack
                ? { unpacks: [{ platform: p, snapshotter: options.snapshotter ?? "overlayfs" }] }
                : {}),
            }),
            direction: "in",
            streams,
            alternative: "images.pull$",
          };
        },
        options,
      );
    });
  }

  /**
   * Has the daemon push the local image `options.source ?? ref` to `ref`'s registry. Emits
   * `status` events, `uploading` per blob (`existed` when the registry had it), and completes.
   * Errors: InvalidArgumentError, NotFoundError (no such local image), UnauthenticatedError,
   * NotImplementedError (containerd 1.6).
   *
   * @example
   * ```ts
   * client.transfer.push$("127.0.0.1:5000/mirror/busybox:1", { source: "docker.io/library/busybox:latest" }).subscribe();
   * ```
   */
  push$(ref: string, options: TransferPushOptions = {}): Observable<TransferProgress> {
    const parsed = tryParseReference(ref);
    const platform = options.platform === undefined ? undefined : platformOf(options.platform);
    return checked([parsed, platform], () => {
      const name = (parsed as Exclude<typeof parsed, InvalidArgumentError>).string;
      return runTransfer$(
        this.ctx,
        () => {
          const { authStream, streams } = registryStreams(options);
          return {
            source: packImageStore({
              name: options.source ?? name,
              ...(platform ? { platforms: [platform as TransferPlatform] } : {}),
            }),
            destination: registrySource(name, options, authStream),
            direction: "out",
            streams,
            alternative: "images.push$",
          };
        },
        options,
      );
    });
  }

  /**
   * Streams an image archive (OCI layout or docker save tar; a path, bytes or a Readable) to the
   * daemon, which imports it and names the images ({@link TransferImportOptions.prefix}). The
   * archive is read only as fast as the daemon's flow-control window allows. Emits `status`
   * events and `done` per image. NotImplementedError on containerd 1.6.
   *
   * @example
   * ```ts
   * client.transfer.import$("/tmp/busybox-oci.tar", { unpack: true }).subscribe((p) => {
   *   if (p.type === "done") console.log("imported", p.image.name);
   * });
   * ```
   */
  import$(source: Readable | string | Uint8Array, options: TransferImportOptions = {}): Observable<TransferProgress> {
    const platform = platformOf(options.platform);
    return checked([platform], () =>
      runTransfer$(
        this.ctx,
        () => {
          const id = streamId("import");
          const p = platform as TransferPlatform;
          return {
            source: packImportStream(id),
            destination: packImageStore({
              platforms: [p],
              extraReferences: [{ name: options.prefix ?? "import", isPrefix: true, allowOverwrite: true }],
              ...(options.labels ? { labels: options.labels } : {}),
              ...(options.unpack
                ? { unpacks: [{ platform: p, snapshotter: options.snapshotter ?? "overlayfs" }] }
                : {}),
            }),
            direction: "in",
            streams: [{ id, duplex: sendArchive(() => archiveReadable(source)) }],
            alternative: "images.import$",
          };
        },
        options,
      ),
    );
  }

  /**
   * Has the daemon export the image `ref` as an OCI archive streamed to `destination` (a Writable,
   * or a path created and removed again on failure or unsubscribe), with backpressure. Completes
   * once the archive is fully written. NotFoundError for an unknown image; NotImplementedError on
   * containerd 1.6.
   *
   * @example
   * ```ts
   * await lastValueFrom(client.transfer.export$("docker.io/library/busybox:latest", "/tmp/busybox.tar"), { defaultValue: undefined });
   * ```
   */
  export$(
    ref: string,
    destination: Writable | string,
    options: TransferExportOptions = {},
  ): Observable<TransferProgress> {
    const platform = options.allPlatforms ? undefined : platformOf(options.platform);
    return checked([platform], () =>
      runTransfer$(
        this.ctx,
        () => {
          const id = streamId("export");
          return {
            source: packImageStore({ name: ref }),
            destination: packExportStream(id, {
              ...(platform ? { platforms: [platform as TransferPlatform] } : {}),
              ...(options.allPlatforms ? { allPlatforms: true } : {}),
            }),
            direction: "none",
            streams: [{ id, duplex: receiveArchive(destination), awaitEnd: true }],
            alternative: "images.export$",
          };
        },
        options,
      ),
    );
  }

  /**
   * Has the daemon create (or re-point) the image record `target` to the image `source`'s
   * content. Emits `done` with the target image. NotFoundError for an unknown `source`;
   * NotImplementedError on containerd 1.6 (use `client.images.create$` there).
   *
   * @example
   * ```ts
   * client.transfer.tag$("docker.io/library/busybox:latest", "registry.example/tools/busybox:1").subscribe();
   * ```
   */
  tag$(source: string, target: string, options: TransferTagOptions = {}): Observable<TransferProgress> {
    return runTransfer$(
      this.ctx,
      () => ({
        source: packImageStore({ name: source }),
        destination: packImageStore({ name: target }),
        direction: "none",
        streams: [],
        alternative: "images.create$",
        done: [target],
      }),
      options,
    );
  }
}
