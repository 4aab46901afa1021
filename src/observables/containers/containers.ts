import { map, type Observable } from "rxjs";
import type { CallOptions } from "../../services/call-options.js";
import { ContainerImpl, type Container } from "./container.js";
import { nsOptions, type DomainContext } from "../client/context.js";
import { createContainer$, type CreateContainerOptions } from "./create-container.js";
import { checkIdentifier } from "../client/identifiers.js";
import { validated } from "../rx/validated.js";
import { filterList } from "../events/filters.js";

/**
 * Containers of the client's namespace (`client.containers`). Cold Observables.
 *
 * @example
 * ```ts
 * client.containers.create$("web", { image: "docker.io/library/busybox:latest", args: ["sleep", "60"] })
 *   .subscribe((c) => console.log("created", c.id));
 * ```
 */
export class Containers {
  /** @internal */
  constructor(private readonly ctx: DomainContext) {}

  /**
   * Creates a container from an image (which must be unpacked for the snapshotter) or from a
   * spec alone, under a temporary lease; rolls back the snapshot and container on failure or
   * unsubscribe. InvalidArgumentError for a bad id, an oversized label (see `checkLabels`) or a
   * bad option (no RPC), NotFoundError for a missing image, FailedPreconditionError for an image
   * not unpacked, AlreadyExistsError for a duplicate id. RPCs: Leases.Create at the same time as
   * Images.Get, Content.Read ×2–3 (none for blobs this client read before: they are cached by
   * digest), Content.Read of the layers holding /etc/passwd and /etc/group (the first time this
   * client creates from that image), Snapshots.Prepare, Containers.Create, Leases.Delete.
   */
  create$(id: string, options: CreateContainerOptions = {}, callOptions?: CallOptions): Observable<Container> {
    return createContainer$(this.ctx, id, options, callOptions).pipe(
      map((c) => new ContainerImpl(this.ctx, c.id, c.rootfs)),
    );
  }

  /** Containers.Get; emits the container. NotFoundError if it does not exist. */
  load$(id: string, options?: CallOptions): Observable<Container> {
    return validated(
      () => checkIdentifier("container id", id),
      () =>
        this.ctx.services.containers
          .get$({ id }, nsOptions(this.ctx, options))
          .pipe(map(() => new ContainerImpl(this.ctx, id))),
    );
  }

  /** Containers.List with containerd filters (ORed), e.g. `labels.app==web`; emits one array. */
  list$(filters: string | readonly string[] = [], options?: CallOptions): Observable<Container[]> {
    return this.ctx.services.containers
      .list$({ filters: filterList(filters) }, nsOptions(this.ctx, options))
      .pipe(map((r) => r.containers.map((c) => new ContainerImpl(this.ctx, c.id))));
  }
}
