import { Inject, Injectable } from "@nestjs/common";
import { ModuleRef } from "@nestjs/core";
import { catchError, forkJoin, lastValueFrom, map, of } from "rxjs";
import type { Containerd } from "../observables/client/client.js";
import { getContainerdToken } from "./tokens.js";

/** Options of {@link ContainerdHealthIndicator.isHealthy}. */
export interface ContainerdHealthOptions {
  /** The client to check, by its `forRoot` name. Default: the unnamed client. */
  readonly name?: string;
  /** Deadline of each of the two calls, in ms. Default 3000. */
  readonly timeoutMs?: number;
}

/**
 * What the indicator reports under its key (the shape `@nestjs/terminus` expects): `up` with the
 * daemon's version when it answers and serves; `down` with a `message` otherwise.
 */
export type ContainerdHealthStatus = {
  status: "up" | "down";
  /** Whether the daemon's gRPC health service says SERVING. */
  serving: boolean;
  /** containerd's version (`Version.Version`), when it answered. */
  version?: string;
  revision?: string;
  /** Why it is down. */
  message?: string;
};

/**
 * A health indicator for `@nestjs/terminus` (no import of terminus itself: it returns the result
 * shape terminus reads). `isHealthy(key)` makes two calls on the client — `Version.Version` and
 * the gRPC health `Check` — and resolves `{ [key]: { status: "up", serving: true, version,
 * revision } }`, or `status: "down"` with a `message` when the daemon is unreachable, not serving,
 * or too slow (`timeoutMs`). Never rejects: terminus reports a `down` result as a failed check
 * (HTTP 503). Provided and exported by `ContainerdModule`.
 *
 * @example
 * ```ts skip
 * @Get("health") @HealthCheck()
 * check() { return this.health.check([() => this.containerd.isHealthy("containerd")]); }
 * ```
 */
export class ContainerdHealthIndicator {
  constructor(private readonly moduleRef: ModuleRef) {}

  /** Checks the daemon behind the client named `options.name` now (see the class). */
  isHealthy<const Key extends string>(
    key: Key,
    options: ContainerdHealthOptions = {},
  ): Promise<Record<Key, ContainerdHealthStatus>> {
    const client = this.moduleRef.get<Containerd>(getContainerdToken(options.name), { strict: false });
    const call = { timeoutMs: options.timeoutMs ?? 3000 };
    const failed = (e: unknown) => of(e instanceof Error ? e : new Error(String(e)));
    const check$ = forkJoin({
      version: client.version$(call).pipe(catchError(failed)),
      serving: client.isServing$(call).pipe(catchError(failed)),
    }).pipe(
      map(({ version, serving }): ContainerdHealthStatus => {
        if (version instanceof Error) return { status: "down", serving: serving === true, message: version.message };
        if (serving !== true) {
          const message = serving instanceof Error ? serving.message : "the daemon answers NOT_SERVING";
          return { status: "down", serving: false, version: version.version, revision: version.revision, message };
        }
        return { status: "up", serving: true, version: version.version, revision: version.revision };
      }),
      map((status) => ({ [key]: status }) as Record<Key, ContainerdHealthStatus>),
    );
    return lastValueFrom(check$);
  }
}
Inject(ModuleRef)(ContainerdHealthIndicator, undefined, 0);
Injectable()(ContainerdHealthIndicator);
