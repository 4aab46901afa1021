import { Injectable, type BeforeApplicationShutdown } from "@nestjs/common";
import {
  distinctUntilChanged,
  forkJoin,
  map,
  shareReplay,
  startWith,
  Subject,
  switchMap,
  takeUntil,
  type Observable,
} from "rxjs";
import type { Containerd } from "../../src/index.js";
import { InjectContainerd } from "../../src/nest.js";
import { JOB_LABEL } from "./jobs.js";

/** One row of the containers table. */
export interface ContainerRow {
  readonly id: string;
  readonly image: string;
  readonly createdAt: string | null;
  /** Started from the dashboard's form. */
  readonly job: boolean;
  /** The container's task, if it has one. */
  readonly task: { readonly pid: number; readonly status: string; readonly exitStatus: number } | null;
}

const STATES = ["unknown", "created", "running", "stopped", "paused", "pausing"];

/**
 * The namespace's containers and tasks, live: a fresh listing each time the daemon publishes a
 * container or task event (whoever caused it: this app, `ctr`, `nerdctl`, …). Hot and shared by
 * every page; ends when the app shuts down.
 */
@Injectable()
export class LiveList implements BeforeApplicationShutdown {
  private readonly shutdown$ = new Subject<void>();
  readonly rows$: Observable<ContainerRow[]>;

  constructor(@InjectContainerd() client: Containerd) {
    const snapshot$ = forkJoin({
      containers: client.services.containers.list$({}),
      tasks: client.services.tasks.list$({}),
    }).pipe(
      map(({ containers, tasks }) =>
        containers.containers
          .map((c): ContainerRow => {
            const t = tasks.tasks.find((task) => task.id === c.id); // a task's id is its container's
            return {
              id: c.id,
              image: c.image,
              createdAt: c.createdAt?.toISOString() ?? null,
              job: JOB_LABEL in c.labels,
              task: t ? { pid: t.pid, status: STATES[t.status] ?? "unknown", exitStatus: t.exitStatus } : null,
            };
          })
          .sort((a, b) => a.id.localeCompare(b.id)),
      ),
    );
    this.rows$ = client.namespaceEvents$(['topic~="^/containers/"', 'topic~="^/tasks/"']).pipe(
      startWith(undefined),
      switchMap(() => snapshot$),
      distinctUntilChanged((a, b) => JSON.stringify(a) === JSON.stringify(b)),
      takeUntil(this.shutdown$),
      shareReplay({ bufferSize: 1, refCount: true }),
    );
  }

  beforeApplicationShutdown(): void {
    this.shutdown$.next();
  }
}
