import { randomBytes } from "node:crypto";
import { BadRequestException, Injectable, NotFoundException, type BeforeApplicationShutdown } from "@nestjs/common";
import {
  catchError,
  lastValueFrom,
  ReplaySubject,
  switchMap,
  throwError,
  type Observable,
  type Subscription,
} from "rxjs";
import { isNotFound, Stdio, type Containerd, type RunEvent } from "../../src/index.js";
import { InjectContainerd } from "../../src/nest.js";

/** The label the dashboard puts on the containers of its jobs. */
export const JOB_LABEL = "rxcontainerd.example/dashboard";

/**
 * Jobs started from the form: each is one `run$` (create, start, stream, wait, remove) whose
 * events are replayed to every page that watches it. Killing a job sends SIGKILL to its task; the
 * run then emits `exited` (137) and removes the container. Shutting the app down unsubscribes the
 * runs still going, which kills and removes their containers.
 */
@Injectable()
export class Jobs implements BeforeApplicationShutdown {
  private readonly runs = new Map<string, { readonly events$: ReplaySubject<RunEvent>; readonly sub: Subscription }>();

  constructor(@InjectContainerd() private readonly client: Containerd) {}

  /** Starts `sh -c command` in `image`; returns the job's (container's) id. */
  start(image: unknown, command: unknown): string {
    if (typeof image !== "string" || image.trim() === "") throw new BadRequestException("image is required");
    if (typeof command !== "string" || command.trim() === "") throw new BadRequestException("command is required");
    const id = `job-${randomBytes(4).toString("hex")}`;
    const events$ = new ReplaySubject<RunEvent>();
    const sub = this.client
      .run$(id, { image: image.trim(), args: ["sh", "-c", command], labels: { [JOB_LABEL]: "job" }, io: Stdio.pipe() })
      .subscribe(events$);
    this.runs.set(id, { events$, sub });
    return id;
  }

  /** The job's `run$` events, from the start (Hot: replayed). */
  events$(id: string): Observable<RunEvent> {
    const run = this.runs.get(id);
    if (!run) throw new NotFoundException(`no job ${JSON.stringify(id)}`);
    return run.events$;
  }

  /** SIGKILL to the job's task. */
  async kill(id: string): Promise<void> {
    if (!this.runs.has(id)) throw new NotFoundException(`no job ${JSON.stringify(id)}`);
    await lastValueFrom(
      this.client.containers.load$(id).pipe(
        switchMap((container) => container.task$()),
        switchMap((task) => task.kill$("SIGKILL")),
        catchError((e: unknown) =>
          throwError(() => (isNotFound(e) ? new NotFoundException(`job ${id} is not running`) : e)),
        ),
      ),
      { defaultValue: undefined },
    );
  }

  beforeApplicationShutdown(): void {
    for (const { sub } of this.runs.values()) sub.unsubscribe();
  }
}
