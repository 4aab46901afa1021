import { randomBytes } from "node:crypto";
import { map, Observable } from "rxjs";
import { InvalidArgumentError } from "../../errors/containerd-error.js";
import type { CallOptions } from "../../services/call-options.js";
import type { Services } from "../../services/services.js";
import { checkIdentifier } from "../client/identifiers.js";
import { withCleanup } from "../rx/cleanup.js";
import { validated } from "../rx/validated.js";
import { checkLabels } from "../client/labels.js";
import { filterList } from "../events/filters.js";

/** A containerd lease: while it exists, what was created under it is safe from garbage collection. */
export interface Lease {
  readonly id: string;
  readonly createdAt?: Date;
  readonly labels: Readonly<Record<string, string>>;
}

/**
 * Something a lease holds: `{ type: "content", id: digest }`, `{ type: "snapshots/overlayfs",
 * id: key }` or `{ type: "ingests", id: ref }`.
 */
export interface LeaseResource {
  readonly id: string;
  readonly type: string;
}

/** Options of {@link Leases.create$}. */
export interface CreateLeaseOptions {
  /** Lease id (containerd identifier rules). Default: `rxcontainerd-<time>-<random>`. */
  readonly id?: string;
  readonly labels?: Readonly<Record<string, string>>;
  /**
   * Sets the `containerd.io/gc.expire` label to now + this many ms: once expired, the lease no
   * longer protects anything (a safety net for a client that crashes). Default: never expires.
   */
  readonly expireAfterMs?: number;
}

/** The label containerd's GC reads to expire a lease. */
export const LEASE_EXPIRE_LABEL = "containerd.io/gc.expire";

/** A fresh lease id, `rxcontainerd-<base36 time>-<8 hex>`. @internal */
export function newLeaseId(): string {
  return `rxcontainerd-${Date.now().toString(36)}-${randomBytes(4).toString("hex")}`;
}

function toLease(l: { id: string; createdAt: Date | undefined; labels: { [k: string]: string } } | undefined): Lease {
  return { id: l?.id ?? "", ...(l?.createdAt ? { createdAt: l.createdAt } : {}), labels: { ...(l?.labels ?? {}) } };
}

function checkResource(r: LeaseResource): InvalidArgumentError | undefined {
  return typeof r?.id === "string" && r.id !== "" && typeof r.type === "string" && r.type !== ""
    ? undefined
    : new InvalidArgumentError("lease resource needs a non-empty id and type");
}

/**
 * Leases of the client's namespace (`client.leases`). Every method is cold: the RPC fires on
 * subscribe, unsubscribing cancels it, and ids are validated first (InvalidArgumentError, no RPC).
 *
 * @example
 * ```ts
 * const lease = await lastValueFrom(client.leases.create$({ expireAfterMs: 3600_000 }));
 * // … calls with { lease: lease.id } …
 * await lastValueFrom(client.leases.delete$(lease.id, { sync: true }));
 * ```
 */
export class Leases {
  /** @internal */
  constructor(
    private readonly services: Services,
    private readonly namespace: string,
  ) {}

  private call(options?: CallOptions): CallOptions {
    return { ...options, namespace: this.namespace };
  }

  /**
   * Leases.Create; emits the lease. AlreadyExistsError for a duplicate id; InvalidArgumentError
   * for a bad id or `expireAfterMs` (no RPC).
   */
  create$(options: CreateLeaseOptions = {}, callOptions?: CallOptions): Observable<Lease> {
    const id = options.id ?? newLeaseId();
    const ttl = options.expireAfterMs;
    return validated(
      () =>
        checkIdentifier("lease id", id) ??
        checkLabels("lease labels", options.labels) ??
        (ttl !== undefined && !(Number.isFinite(ttl) && ttl > 0)
          ? new InvalidArgumentError(`expireAfterMs must be a positive number, got ${String(ttl)}`)
          : undefined),
      () =>
        this.services.leases
          .create$(
            {
              id,
              labels: {
                ...options.labels,
                ...(ttl !== undefined ? { [LEASE_EXPIRE_LABEL]: new Date(Date.now() + ttl).toISOString() } : {}),
              },
            },
            this.call(callOptions),
          )
          .pipe(map((r) => toLease(r.lease))),
    );
  }

  /**
   * Leases.Delete; emits `undefined`. With `sync`, containerd runs garbage collection before
   * answering, so what only the lease held is gone when this completes. NotFoundError if missing.
   */
  delete$(id: string, options: { readonly sync?: boolean } = {}, callOptions?: CallOptions): Observable<void> {
    return validated(
      () => checkIdentifier("lease id", id),
      () =>
        this.services.leases
          .delete$({ id, sync: options.sync ?? false }, this.call(callOptions))
          .pipe(map(() => undefined)),
    );
  }

  /** Leases.List with containerd filters (ORed), e.g. `id~=^rxcontainerd-`; emits one array. */
  list$(filters: string | readonly string[] = [], options?: CallOptions): Observable<Lease[]> {
    return this.services.leases
      .list$({ filters: filterList(filters) }, this.call(options))
      .pipe(map((r) => r.leases.map(toLease)));
  }

  /** Leases.AddResource: the lease now also holds `resource`. Emits `undefined`. */
  addResource$(id: string, resource: LeaseResource, callOptions?: CallOptions): Observable<void> {
    return validated(
      () => checkIdentifier("lease id", id) ?? checkResource(resource),
      () =>
        this.services.leases
          .addResource$({ id, resource: { id: resource.id, type: resource.type } }, this.call(callOptions))
          .pipe(map(() => undefined)),
    );
  }

  /** Leases.DeleteResource: the lease no longer holds `resource`. Emits `undefined`. */
  deleteResource$(id: string, resource: LeaseResource, callOptions?: CallOptions): Observable<void> {
    return validated(
      () => checkIdentifier("lease id", id) ?? checkResource(resource),
      () =>
        this.services.leases
          .deleteResource$({ id, resource: { id: resource.id, type: resource.type } }, this.call(callOptions))
          .pipe(map(() => undefined)),
    );
  }

  /** Leases.ListResources; emits what the lease holds, as one array. NotFoundError if missing. */
  resources$(id: string, callOptions?: CallOptions): Observable<LeaseResource[]> {
    return validated(
      () => checkIdentifier("lease id", id),
      () =>
        this.services.leases
          .listResources$({ id }, this.call(callOptions))
          .pipe(map((r) => r.resources.map((x) => ({ id: x.id, type: x.type })))),
    );
  }
}

/** Options of {@link withLease}. */
export interface WithLeaseOptions extends CreateLeaseOptions {
  /** Delete the lease with `sync` (garbage-collect before the Observable settles). Default false. */
  readonly sync?: boolean;
}

const DEFAULT_TTL_MS = 24 * 3600 * 1000;

/**
 * An Observable resource: on subscribe, creates a lease (expiring after 24 h unless
 * `expireAfterMs` says otherwise, a safety net for a crash); then subscribes to `body(leaseId)`,
 * whose calls should pass `{ lease: leaseId }`; when the body completes, errors or is
 * unsubscribed, deletes the lease. The result completes or errors only after the lease is gone.
 * A lease-creation failure is reported and the body never runs. An unsubscribe during
 * Leases.Create lets the create finish, then deletes the lease.
 *
 * @example
 * ```ts
 * withLease(client, (lease) => client.content.write$("my-ref", data$, { expected, lease }))
 *   .subscribe(); // content written, then the lease deleted: keep it by labelling or referencing it
 * ```
 */
export function withLease<T>(
  client: { readonly leases: Leases },
  body: (leaseId: string) => Observable<T>,
  options: WithLeaseOptions = {},
  callOptions?: CallOptions,
): Observable<T> {
  const { sync, ...create } = options;
  return new Observable<T>((subscriber) => {
    let closed = false;
    const release = (id: string) => client.leases.delete$(id, { sync: sync ?? false }, callOptions);
    client.leases.create$({ expireAfterMs: DEFAULT_TTL_MS, ...create }, callOptions).subscribe({
      error: (e: unknown) => subscriber.error(e),
      next: (lease) => {
        if (closed) {
          release(lease.id).subscribe({ error: () => undefined });
          return;
        }
        subscriber.add(withCleanup(body(lease.id), () => release(lease.id)).subscribe(subscriber));
      },
    });
    return () => {
      closed = true;
    };
  });
}
