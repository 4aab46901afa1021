import { Observable } from "rxjs";
import type { ContainerdError } from "../../errors/containerd-error.js";

/**
 * Runs `check` when subscribed: an error goes to the error channel and no RPC is made; otherwise
 * subscribes to `make()`. Keeps bad-input handling inside the Observable contract (never thrown).
 */
export function validated<T>(check: () => ContainerdError | undefined, make: () => Observable<T>): Observable<T> {
  return new Observable<T>((subscriber) => {
    const problem = check();
    if (problem) {
      subscriber.error(problem);
      return undefined;
    }
    return make().subscribe(subscriber);
  });
}
