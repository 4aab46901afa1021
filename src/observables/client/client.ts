import { catchError, from, map, Observable, of, throwError } from "rxjs";
import { InvalidArgumentError } from "../../errors/containerd-error.js";
import { isUnavailable } from "../../errors/guards.js";
import type { CallStats } from "../../services/call-control.js";
import type { CallOptions } from "../../services/call-options.js";
import { grpcBackend, type Backend } from "../../services/backend.js";
import { connect, type ConnectOptions } from "../../services/connect.js";
import type { ConnectivityState } from "../../services/connectivity.js";
import type { Services } from "../../services/services.js";
import { Containers } from "../containers/containers.js";
import type { CreateContainerOptions } from "../containers/create-container.js";
import type { DomainContext } from "./context.js";
import { EventHub, type WaitMode } from "../tasks/wait/exit-hub.js";
import { events$, scopeFilters, type EventsOptions } from "../events/events.js";
import type { Envelope } from "../events/event-types.js";
import { filterList } from "../events/filters.js";
import { Inflight, type Leftover } from "./inflight.js";
import { forceRemove$ } from "../containers/force-remove.js";
import { checkIdentifier } from "./identifiers.js";
import { Namespaces } from "./namespaces.js";
import type { NewTaskOptions } from "../tasks/new-task.js";
import { lifecycle$, type RunEvent } from "../containers/run.js";
import { withImage$, type PullPolicy, type RunPullOptions } from "../containers/pull-policy.js";
import { Leases } from "../content/leases.js";
import { ContentStore } from "../content/content.js";
import { Snapshotter } from "../content/snapshotter.js";
import { Images } from "../images/images.js";
import { BlobCache } from "../images/image-reader.js";
import { ImageFilesCache } from "../images/image-files.js";
import { Transfer } from "../transfer/transfer.js";

/** Options of `run$`: the container's, plus the task's IO and runtime options, and the pull policy. */
export interface RunOptions extends CreateContainerOptions, Pick<NewTaskOptions, "io" | "runtimeOptions"> {
  /**
   * When to pull `image` from its registry, as `docker run --pull` (see {@link PullPolicy}).
   * Default `"never"`: only local, unpacked images run (what `run$` has always done).
   */
  readonly pull?: PullPolicy;
  /** Registry options of that pull: `auth`, `registry`, `plainHttp`, `concurrency`, `timeoutMs`… */
  readonly pullOptions?: RunPullOptions;
}

/**
 * What clients made by `withNamespace` share with their parent; a fake daemon's backend alone
 * for `rxcontainerd/testing`. @internal
 */
export interface Shared {
  readonly backend: Backend;
  readonly hub?: EventHub;
  readonly inflight?: Inflight;
}

/** Options of {@link Containerd.close$}. */
export interface CloseOptions {
  /**
   * How long to let clean-ups and rollbacks in flight finish before cancelling what is left, in
   * ms. Default 10 000.
   */
  readonly timeoutMs?: number;
}

/** What {@link Containerd.close$} reports. */
export interface CloseReport {
  /** True when every clean-up finished in time and none failed. */
  readonly clean: boolean;
  /**
   * Clean-ups that did not finish within the bound (`timeout`: cancelled, so what they were
   * removing may be left on the daemon) or that failed (`failed`, with the error).
   */
  readonly leftovers: readonly Leftover[];
}

/** Default bound of {@link Containerd.close$}. */
export const DEFAULT_CLOSE_TIMEOUT_MS = 10_000;

/** Default socket of a system containerd. */
export const DEFAULT_ADDRESS = "/run/containerd/containerd.sock";
/** Default namespace. */
export const DEFAULT_NAMESPACE = "default";

/** Options of {@link Containerd}. All optional. */
export interface ContainerdOptions extends Partial<ConnectOptions> {
  /** Socket path, `unix://…`, `host:port` or `tcp://host:port`. Default `$CONTAINERD_ADDRESS`, then `/run/containerd/containerd.sock`. */
  readonly address?: string;
  /** Namespace for every call unless a call says otherwise. Default `$CONTAINERD_NAMESPACE`, then `default`. */
  readonly namespace?: string;
  /** Default deadline for every call, in ms (a call's own `timeoutMs` wins). */
  readonly timeoutMs?: number;
  /** Metadata added to every call. */
  readonly metadata?: Readonly<Record<string, string>>;
}

/** containerd's version (`Version.Version`). */
export interface Version {
  readonly version: string;
  readonly revision: string;
}

/** The daemon's identity (`Introspection.Server`). */
export interface ServerInfo {
  readonly uuid: string;
}

/** A loaded (or failed) daemon plugin (`Introspection.Plugins`). */
export interface Plugin {
  readonly type: string;
  readonly id: string;
  readonly requires: readonly string[];
  readonly platforms: readonly { os: string; architecture: string; variant: string }[];
  readonly exports: Readonly<Record<string, string>>;
  readonly capabilities: readonly string[];
  /** Why the plugin failed to load, if it did. */
  readonly initError?: string;
}

/**
 * A containerd client. Construction is cheap and synchronous: nothing is dialled until the first
 * call, and a malformed address throws InvalidArgumentError right away (a programmer error). Every
 * operation returns a cold Observable whose RPC fires on subscribe and is cancelled on unsubscribe.
 *
 * @example
 * ```ts
 * const client = new Containerd({ address: "/run/containerd/containerd.sock", namespace: "default" });
 * client.version$().subscribe((v) => console.log(v.version));
 * // …
 * client.close();
 * ```
 */
export class Containerd implements AsyncDisposable {
  /** Every containerd gRPC service as raw Observable methods (same channel, same namespace). */
  readonly services: Services;
  /** The namespace calls use unless their options say otherwise. */
  readonly namespace: string;
  /** The address as given (or defaulted). */
  readonly address: string;
  /** Namespace management. */
  readonly namespaces: Namespaces;
  /** Containers of this client's namespace. */
  readonly containers: Containers;
  /** Leases of this client's namespace (protection from garbage collection). */
  readonly leases: Leases;
  /** The content store of this client's namespace (blobs by digest). */
  readonly content: ContentStore;
  /** Images of this client's namespace: records, unpack, import and export. */
  readonly images: Images;
  private readonly backend: Backend;
  /** Daemon-side image transfers (containerd ≥ 1.7): pull, push, import, export and tag done by the daemon. */
  readonly transfer: Transfer;
  private readonly hub: EventHub;
  private readonly inflight: Inflight;
  private readonly blobs = new BlobCache();
  private readonly imageFiles = new ImageFilesCache();
  private closing: Promise<CloseReport> | undefined;

  private get context(): DomainContext {
    return {
      services: this.services,
      hub: this.hub,
      namespace: this.namespace,
      inflight: this.inflight,
      remote: this.backend.remote,
      blobs: this.blobs,
      imageFiles: this.imageFiles,
    };
  }

  /**
   * @param options see {@link ContainerdOptions}
   * @throws InvalidArgumentError synchronously for a malformed address, TLS option or namespace.
   */
  constructor(options: ContainerdOptions = {}, /** @internal */ shared?: Shared) {
    const address = options.address ?? process.env["CONTAINERD_ADDRESS"] ?? DEFAULT_ADDRESS;
    const namespace = options.namespace ?? process.env["CONTAINERD_NAMESPACE"] ?? DEFAULT_NAMESPACE;
    const bad = checkIdentifier("namespace", namespace);
    if (bad) throw bad;
    const defaults = { namespace, timeoutMs: options.timeoutMs, metadata: options.metadata };
    this.backend = shared?.backend ?? grpcBackend(connect({ ...options, address }, defaults));
    this.address = address;
    this.namespace = namespace;
    this.services = this.backend.services(defaults);
    const scheduler = this.backend.scheduler;
    this.hub = shared?.hub ?? new EventHub(this.services.events, { namespace, ...(scheduler ? { scheduler } : {}) });
    this.namespaces = new Namespaces(this.services.namespaces);
    this.inflight = shared?.inflight ?? new Inflight();
    this.containers = new Containers(this.context);
    this.leases = new Leases(this.services, namespace);
    this.content = new ContentStore(this.services, namespace);
    this.images = new Images({ services: this.services, namespace });
    this.transfer = new Transfer({ services: this.services, namespace });
  }

  /**
   * A client for another namespace sharing this one's channel (closing either closes both).
   * @throws InvalidArgumentError synchronously for an invalid namespace name.
   * @example `const prod = client.withNamespace("prod");`
   */
  withNamespace(namespace: string): Containerd {
    if (checkIdentifier("namespace", namespace)) {
      throw new InvalidArgumentError(`invalid namespace ${JSON.stringify(namespace)}`);
    }
    return new Containerd(
      { address: this.address, namespace },
      { backend: this.backend, hub: this.hub, inflight: this.inflight },
    );
  }

  /**
   * A snapshotter of this client's namespace (`options.snapshotter`, default `overlayfs`).
   * Cheap: no RPC.
   * @example `client.snapshots({ snapshotter: "native" }).stat$(chainId).subscribe((s) => console.log(s.kind));`
   */
  snapshots(options: { readonly snapshotter?: string } = {}): Snapshotter {
    return new Snapshotter(this.services, this.namespace, options.snapshotter ?? "overlayfs");
  }

  /**
   * Runs a container to completion: create, new task, hot wait, start — emitting `created`,
   * `started` (with the pid) and `exited` (with the status) — then removes task, container and
   * snapshot. Removal also happens on error and on unsubscribe (which kills the task first); that
   * removal runs in the background, and `close$()` / `await client[Symbol.asyncDispose]()` waits
   * for it (`close()` cuts it short). Cold: nothing happens until subscribed.
   *
   * With `pull: "missing"` or `"always"` the image is pulled (and unpacked) first, and its
   * progress arrives as `pull` events before `created`; unsubscribing during the pull rolls the
   * pull back (its partial downloads are kept for a later pull, see `images.pull$`). A pulled
   * image stays after the run, as with `docker run`. With the default `pull: "never"`, an absent
   * image is a NotFoundError naming it. Compose it with the operators (`exitCode()`,
   * `throwOnNonZeroExit()`, `lines()`, `killAfter()`, `restartOnExit()`, `mapJobs()`): see
   * docs/operators.md.
   *
   * @example
   * ```ts
   * client.run$("job-1", { image: "docker.io/library/busybox:latest", args: ["sh", "-c", "exit 3"] })
   *   .pipe(filter((e) => e.type === "exited"))
   *   .subscribe((e) => console.log(e.status.code)); // 3
   * client.run$("job-2", { image: "localhost:5000/library/busybox:latest", pull: "missing", args: ["true"] })
   *   .subscribe((e) => { if (e.type === "pull" && e.progress.type === "downloading") console.log(e.progress.bytes); });
   * ```
   */
  run$(id: string, options: RunOptions = {}): Observable<RunEvent> {
    const ctx = this.context;
    const { io, runtimeOptions, pull = "never", pullOptions, ...create } = options;
    const what = `run$ teardown of container ${JSON.stringify(id)} (namespace ${JSON.stringify(this.namespace)})`;
    const run = (image: string | undefined) =>
      lifecycle$(
        this.containers.create$(id, image === undefined ? create : { ...create, image }),
        { ...(io ? { io } : {}), ...(runtimeOptions ? { runtimeOptions } : {}) },
        () => forceRemove$(ctx, id),
        (done) => this.inflight.cleanup(what, done),
      );
    if (create.image === undefined) return run(undefined);
    return withImage$(
      this.images,
      id,
      pull,
      { image: create.image, snapshotter: create.snapshotter, platform: create.platform, pullOptions },
      run,
    );
  }

  /**
   * Events.Subscribe: every event of every namespace (containerd does not scope events), decoded
   * and typed. `filters` is one filter or several (ORed; see `filterOf`), checked client-side
   * first (InvalidArgumentError, no RPC). Cold: one stream per subscription. Reconnects after a
   * daemon restart unless `reconnect: false`; events published meanwhile are lost. By default a
   * daemon that was never reached is retried in silence too: `maxConnectAttempts` makes it error
   * with UnavailableError instead. `close()` ends it with CanceledError.
   *
   * @example
   * ```ts
   * client.events$('topic=="/tasks/exit"', { maxConnectAttempts: 5 }).subscribe((e) => {
   *   // narrow on `decoded` first: undecodable events carry raw bytes (see docs/events.md)
   *   if (e.decoded && e.typeUrl === "containerd.events.TaskExit") console.log(e.event.containerId, e.event.exitStatus);
   * });
   * ```
   */
  events$(filters: string | readonly string[] = [], options?: EventsOptions): Observable<Envelope> {
    return events$(this.services.events, filterList(filters), options);
  }

  /**
   * Like {@link Containerd.events$}, only for this client's namespace (filtered by the daemon).
   * @example `client.namespaceEvents$(filterOf({ "event.container_id": "web" })).subscribe((e) => console.log(e.topic));`
   */
  namespaceEvents$(filters: string | readonly string[] = [], options?: EventsOptions): Observable<Envelope> {
    return events$(this.services.events, scopeFilters(filterList(filters), this.namespace), options);
  }

  /**
   * The gRPC channel's connectivity: emits the current state on subscribe (`IDLE` before the first
   * call, `READY` once connected), then each change, e.g. `TRANSIENT_FAILURE` or `IDLE` while the
   * daemon is down and `READY` when a call has reconnected; completes after `SHUTDOWN`
   * ({@link Containerd.close}). Never errors. Cold, and subscribing makes no call and does not
   * dial: the channel connects when an operation needs it. A subscription keeps no timer, so it
   * does not keep the process alive. Shared channel: the same for `withNamespace` clients. A
   * first connection that never comes up (wrong address, daemon not running) never reaches
   * `READY`; calls then fail with an UnavailableError naming the address, and `events$` can be
   * told to give up with `maxConnectAttempts`.
   *
   * @example
   * ```ts
   * client.connectivity$.subscribe((state) => console.log("channel", state));
   * // IDLE, CONNECTING, READY … TRANSIENT_FAILURE (daemon down) … READY … SHUTDOWN (client.close())
   * ```
   */
  get connectivity$(): Observable<ConnectivityState> {
    return this.backend.connectivity$;
  }

  /** Live call counters of this client's channel (shared with `withNamespace` clients). */
  get callStats(): Readonly<CallStats> {
    return this.backend.stats;
  }

  /** Number of event streams this client's shared event hub has opened (diagnostics). */
  get eventStreamsOpened(): number {
    return this.hub.streamsOpened;
  }

  /** How `wait$` learns of exits: `"events"` (confirmed stream + status check), `"rpc"` (Tasks.Wait fallback), undefined before the first wait. See docs/lifecycle.md. */
  get waitMode(): WaitMode | undefined {
    return this.hub.mode;
  }

  /** Emits the daemon's version once (`Version.Version`). UnavailableError if unreachable. */
  version$(options?: CallOptions): Observable<Version> {
    return this.services.version.version$({}, options).pipe(map((v) => ({ version: v.version, revision: v.revision })));
  }

  /** Emits the daemon's UUID (`Introspection.Server`). */
  server$(options?: CallOptions): Observable<ServerInfo> {
    return this.services.introspection.server$({}, options).pipe(map((s) => ({ uuid: s.uuid })));
  }

  /**
   * Emits the daemon's plugins as one array (`Introspection.Plugins`), filtered with containerd
   * filter strings (ORed), e.g. `type==io.containerd.snapshotter.v1`.
   */
  plugins$(filters: readonly string[] = [], options?: CallOptions): Observable<Plugin[]> {
    return this.services.introspection.plugins$({ filters }, options).pipe(
      map((r) =>
        r.plugins.map((p) => ({
          type: p.type,
          id: p.id,
          requires: p.requires,
          exports: p.exports,
          capabilities: p.capabilities,
          platforms: p.platforms.map(({ os, architecture, variant }) => ({ os, architecture, variant })),
          ...(p.initErr ? { initError: p.initErr.message } : {}),
        })),
      ),
    );
  }

  /**
   * Emits whether the daemon serves (gRPC health `Check`): true when SERVING, false when it
   * answers NOT_SERVING or cannot be reached (UNAVAILABLE). Other failures error.
   */
  isServing$(options?: CallOptions): Observable<boolean> {
    return this.services.health.check$({ service: "" }, options).pipe(
      map((r) => r.status === 1),
      catchError((e: unknown) => (isUnavailable(e) ? of(false) : throwError(() => e))),
    );
  }

  /**
   * Hard close, at once: cancels every call in flight on the daemon (each errors with
   * CanceledError, "client closed"), makes every later call error the same way without an RPC,
   * and closes the channel (shared with `withNamespace` clients), so the process can exit.
   * Clean-ups that an unsubscribe started (the removal after `run$`, a rollback) are cut short
   * and may leave containers, tasks or snapshots behind: use {@link Containerd.close$} (or
   * `await using`) to let them finish first. Idempotent.
   *
   * @example
   * ```ts
   * process.on("exit", () => client.close());
   * ```
   */
  close(): void {
    this.backend.cancelCalls();
    this.hub.close();
    this.backend.close();
  }

  /**
   * Graceful close. First waits for the clean-ups and rollbacks still running in this client
   * (and its `withNamespace` clients): the removal `run$` does after completing, failing or being
   * unsubscribed (kill, task delete with its IO drain, container and snapshot removal), and the
   * rollbacks of `create$`, `newTask$` and `exec$` — at most `timeoutMs` (default 10 s). Then it
   * does {@link Containerd.close}: what is still running is cancelled (CanceledError) and the
   * channel closes. Emits a {@link CloseReport} listing what did not finish in time or failed
   * (empty `leftovers` means nothing was abandoned), then completes; never errors. Calls made
   * meanwhile still work. Hot once subscribed: every subscription (and `close$()` call) shares
   * the same close; unsubscribing does not stop it.
   *
   * @example
   * ```ts
   * const sub = client.run$("job-1", { image: "docker.io/library/busybox:latest", args: ["sleep", "60"] }).subscribe();
   * process.once("SIGINT", () => {
   *   sub.unsubscribe(); // starts run$'s clean-up
   *   client.close$({ timeoutMs: 5000 }).subscribe((r) => { if (!r.clean) console.error("left behind:", r.leftovers); });
   * });
   * ```
   */
  close$(options: CloseOptions = {}): Observable<CloseReport> {
    return new Observable<CloseReport>((subscriber) => {
      const timeoutMs = options.timeoutMs ?? DEFAULT_CLOSE_TIMEOUT_MS;
      if (!(timeoutMs >= 0)) {
        subscriber.error(new InvalidArgumentError(`close$: timeoutMs must be a number >= 0, got ${timeoutMs}`));
        return undefined;
      }
      this.closing ??= this.inflight.drain(timeoutMs).then((leftovers) => {
        this.close();
        return { clean: leftovers.length === 0, leftovers };
      });
      return from(this.closing).subscribe(subscriber);
    });
  }

  /**
   * `await using client = new Containerd()` closes it at scope exit, like `close$()` with the
   * default bound: in-flight clean-ups finish first (at most 10 s), then the rest is cancelled.
   * Never throws: what was left behind is reported as a process warning (`RXCONTAINERD_LEFTOVERS`).
   */
  async [Symbol.asyncDispose](): Promise<void> {
    const report = await new Promise<CloseReport>((resolve) => this.close$().subscribe(resolve));
    if (!report.clean) {
      process.emitWarning(
        `rxcontainerd: close left ${report.leftovers.length} clean-up(s) unfinished: ` +
          report.leftovers.map((l) => `${l.what} (${l.reason}${l.error ? `: ${l.error.message}` : ""})`).join("; "),
        { code: "RXCONTAINERD_LEFTOVERS" },
      );
    }
  }
}
