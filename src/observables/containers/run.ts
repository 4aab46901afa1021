import {
  catchError,
  concat,
  concatMap,
  defer,
  EMPTY,
  from,
  ignoreElements,
  map,
  merge,
  of,
  tap,
  throwError,
  type Observable,
} from "rxjs";
import { isFailedPrecondition } from "../../errors/guards.js";
import { withCleanup } from "../rx/cleanup.js";
import type { Container } from "./container.js";
import type { ExitStatus } from "../tasks/exit-status.js";
import type { NewTaskOptions } from "../tasks/new-task.js";
import type { Task } from "../tasks/task.js";
import type { ImageProgress } from "../images/image.js";

/**
 * Lifecycle notifications of `run$`, in this order: `pull` (only with a pull policy that
 * pulls), `created`, `started`, `output` (piped IO only), `exited`.
 */
export type RunEvent =
  /** With `pull: "missing"` (when the image is absent or not unpacked) or `"always"`: the image's progress. */
  | { readonly type: "pull"; readonly containerId: string; readonly image: string; readonly progress: ImageProgress }
  | { readonly type: "created"; readonly containerId: string }
  /**
   * The task runs. `task` is the container's {@link Task} (what `killAfter` signals); it is a
   * non-enumerable property, so JSON, logs and deep-equality see `{ type, containerId, pid }`.
   */
  | { readonly type: "started"; readonly containerId: string; readonly pid: number; readonly task: Task }
  /** With piped IO (`io: Stdio.pipe()` / `Stdio.terminal()`): a chunk of output, in order per stream. */
  | {
      readonly type: "output";
      readonly containerId: string;
      readonly stream: "stdout" | "stderr";
      readonly data: Buffer;
    }
  | { readonly type: "exited"; readonly containerId: string; readonly status: ExitStatus };

/**
 * The order that cannot go wrong, as a pure composition: create the container, create the task,
 * call the hot `wait$()` (so the exit is watched) *before* subscribing to `start$()`, then emit
 * the exit. With piped IO the output follows `started` as `output` events (the FIFOs hold what
 * the process wrote meanwhile: nothing is lost), and `exited` comes after its EOF (nothing is cut
 * off). `remove()` runs after completion, error or unsubscribe — but only if the container was
 * created by this run (a duplicate id never deletes someone else's container); then the task's
 * IO is closed. `track` receives the clean-up's promise when it starts (see `withCleanup`).
 *
 * @example
 * ```ts
 * lifecycle$(client.containers.create$("job", { image, args: ["true"] }), {}, () => client.containers.load$("job").pipe(mergeMap((c) => c.delete$())));
 * ```
 */
export function lifecycle$(
  create$: Observable<Container>,
  taskOptions: NewTaskOptions,
  remove: () => Observable<unknown>,
  track?: (done: Promise<void>) => void,
): Observable<RunEvent> {
  let created = false;
  let task: Task | undefined;
  const body$ = create$.pipe(
    tap(() => (created = true)),
    concatMap((container) =>
      concat(
        of<RunEvent>({ type: "created", containerId: container.id }),
        container.newTask$(taskOptions).pipe(
          concatMap((t) => {
            task = t;
            const exit$ = t.wait$();
            return concat(
              t.start$().pipe(map((pid): RunEvent => startedEvent(container.id, pid, t))),
              output$(t, container.id), // read from here on: the FIFOs hold what was written since Start
              exit$.pipe(map((status): RunEvent => ({ type: "exited", containerId: container.id, status }))),
            );
          }),
        ),
      ),
    ),
  );
  const closeIO$ = defer(() => (task?.io ? from(task.io.close()) : EMPTY)).pipe(ignoreElements());
  return withCleanup(
    body$,
    () =>
      concat(
        defer(() => (created ? remove() : EMPTY)).pipe(
          catchError((e: unknown) =>
            concat(
              closeIO$,
              throwError(() => e),
            ),
          ),
        ),
        closeIO$,
      ),
    track,
  );
}

/** The `started` event, its `task` non-enumerable (events stay plain data for JSON and equality). @internal */
export function startedEvent(containerId: string, pid: number, task: Task): RunEvent {
  const e = { type: "started" as const, containerId, pid };
  Object.defineProperty(e, "task", { value: task, enumerable: false });
  return e as typeof e & { readonly task: Task };
}

/** A task's piped output as `output` events (none for IO that is not FIFOs). */
function output$(task: Task, containerId: string): Observable<RunEvent> {
  if (!task.io?.config.stdout.startsWith("/")) return EMPTY;
  const stream = (name: "stdout" | "stderr", chunks$: Observable<Buffer>) =>
    chunks$.pipe(
      map((data): RunEvent => ({ type: "output", containerId, stream: name, data })),
      catchError((e: unknown) => (isFailedPrecondition(e) ? EMPTY : throwError(() => e))),
    );
  return merge(stream("stdout", task.stdout$), stream("stderr", task.stderr$));
}
