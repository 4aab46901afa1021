import { concat, concatMap, defer, EMPTY, map, of, tap, type Observable } from "rxjs";
import { withCleanup } from "./cleanup.js";
import type { Container } from "./container.js";
import type { ExitStatus } from "./exit-status.js";
import type { NewTaskOptions } from "./new-task.js";

/** Lifecycle notifications of `run$`. */
export type RunEvent =
  | { readonly type: "created"; readonly containerId: string }
  | { readonly type: "started"; readonly containerId: string; readonly pid: number }
  | { readonly type: "exited"; readonly containerId: string; readonly status: ExitStatus };

/**
 * The order that cannot go wrong, as a pure composition: create the container, create the task,
 * call the hot `wait$()` (so the exit is watched) *before* subscribing to `start$()`, then emit
 * the exit. `remove()` runs after completion, error or unsubscribe — but only if the container
 * was created by this run (a duplicate id never deletes someone else's container).
 *
 * @example
 * ```ts
 * lifecycle$(client.containers.create$("job", { image, args: ["true"] }), {}, () => removeJob$);
 * ```
 */
export function lifecycle$(create$: Observable<Container>, taskOptions: NewTaskOptions,
  remove: () => Observable<unknown>): Observable<RunEvent> {
  let created = false;
  const body$ = create$.pipe(
    tap(() => (created = true)),
    concatMap((container) => concat(
      of<RunEvent>({ type: "created", containerId: container.id }),
      container.newTask$(taskOptions).pipe(concatMap((task) => {
        const exit$ = task.wait$();
        return concat(
          task.start$().pipe(map((pid): RunEvent => ({ type: "started", containerId: container.id, pid }))),
          exit$.pipe(map((status): RunEvent => ({ type: "exited", containerId: container.id, status }))),
        );
      })),
    )),
  );
  return withCleanup(body$, () => defer(() => (created ? remove() : EMPTY)));
}
