import { mergeMap, of, EMPTY, type OperatorFunction } from "rxjs";
import { exitOf, type ExitSource } from "./exit-of.js";

/**
 * Maps exits to their codes: on a `run$` event stream, each `exited` event becomes its
 * `status.code` and the other events are dropped; on a stream of `ExitStatus` (`task.wait$()`,
 * `process.delete$()`), each status becomes its code. Completion and errors pass through
 * unchanged; no RPC of its own, no scheduler (nothing timed).
 *
 * @example
 * ```ts
 * client.run$("job", { image, args: ["sh", "-c", "exit 3"] }).pipe(exitCode()).subscribe((code) => console.log(code)); // 3
 * task.wait$().pipe(exitCode()).subscribe((code) => console.log(code));
 * ```
 */
export function exitCode(): OperatorFunction<ExitSource, number> {
  return mergeMap((value) => {
    const exit = exitOf(value);
    return exit ? of(exit.status.code) : EMPTY;
  });
}
