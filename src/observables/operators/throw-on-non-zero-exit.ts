import { map, type MonoTypeOperatorFunction } from "rxjs";
import { ExitCodeError } from "../../errors/exit-code-error.js";
import { exitOf, type ExitSource } from "./exit-of.js";

/**
 * Passes every value through, but turns an exit with a non-zero code into an
 * {@link ExitCodeError} (carrying the status, and the container id on a `run$` stream) in the
 * error channel, in place of that value. Works on a `run$` event stream (`exited` events) and on
 * a stream of `ExitStatus` (`task.wait$()`). On `run$`, erroring unsubscribes it, which removes
 * the container as after any error (the task has exited already). Nothing timed: no scheduler.
 *
 * @example
 * ```ts
 * client.run$("job", { image, args: ["sh", "-c", "exit 3"] })
 *   .pipe(throwOnNonZeroExit())
 *   .subscribe({ error: (e: unknown) => { if (isExitCodeError(e)) console.log(e.exitCode); } }); // 3
 * ```
 */
export function throwOnNonZeroExit<T extends ExitSource>(): MonoTypeOperatorFunction<T> {
  return map((value) => {
    const exit = exitOf(value);
    if (exit && exit.status.code !== 0)
      throw new ExitCodeError(exit.status, exit.containerId === undefined ? {} : { containerId: exit.containerId });
    return value;
  });
}
