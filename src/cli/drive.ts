// Drives a process with piped or TTY IO from the local terminal: output to stdout/stderr, the
// window size, Ctrl-C forwarded (SIGTERM, then SIGKILL); resolves to its exit code.
import type { Process } from "../index.js";
import { last } from "./rx.js";
import { followResize, forwardSignals, rawMode } from "./terminal.js";

export interface DriveOptions {
  readonly tty: boolean;
  readonly interactive: boolean;
  /** Start the process (an exec) after arming the wait; false for one already running (attach). */
  readonly start: boolean;
  /** Delete the process after its exit (drains the output first). */
  readonly remove: boolean;
}

export async function drive(proc: Process, o: DriveOptions): Promise<number> {
  const exit$ = proc.wait$(); // hot: armed before start
  let outDone: () => void = () => undefined;
  const outEnded = new Promise<void>((r) => (outDone = r));
  const outSub = proc.stdout$.subscribe({
    next: (c) => process.stdout.write(c),
    complete: () => outDone(),
    error: () => outDone(),
  });
  const errSub = o.tty ? undefined : proc.stderr$.subscribe((c) => process.stderr.write(c));
  const restoreMode = o.tty && o.interactive ? rawMode() : () => undefined;
  const stopSignals = forwardSignals((signal) => {
    last(proc.kill$(signal)).catch(() => undefined);
  });
  let stopResize = (): void => undefined;
  try {
    if (o.start) await last(proc.start$());
    if (o.tty) stopResize = followResize((w, h) => last(proc.resize$(w, h)));
    const status = await last(exit$);
    if (o.remove) await last(proc.delete$());
    else await Promise.race([outEnded, new Promise((r) => setTimeout(r, 2000).unref())]); // the shim closes its end after the exit
    return status.code;
  } catch (e) {
    if (o.remove) await last(proc.delete$({ kill: true })).catch(() => undefined);
    throw e;
  } finally {
    stopResize();
    stopSignals();
    restoreMode();
    outSub.unsubscribe();
    errSub?.unsubscribe();
  }
}
