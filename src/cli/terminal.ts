// The local terminal during run/exec/attach: raw mode for -it (restored however the process
// ends), the window size sent on start and on every SIGWINCH, and Ctrl-C / SIGTERM forwarded as
// SIGTERM, then SIGKILL.

/** Puts stdin in raw mode when it is a TTY; the returned function restores the previous mode. */
export function rawMode(): () => void {
  const stdin = process.stdin;
  if (!stdin.isTTY) return () => undefined;
  const was = stdin.isRaw;
  stdin.setRawMode(true);
  let restored = false;
  const restore = (): void => {
    if (restored) return;
    restored = true;
    try {
      stdin.setRawMode(was);
    } catch {
      // stdin already closed: nothing to restore
    }
  };
  process.once("exit", restore);
  return restore;
}

/**
 * Sends the terminal's size now and on every SIGWINCH (when stdout is a TTY). Resize failures
 * (the process just exited) are ignored. Returns the unsubscribe.
 */
export function followResize(resize: (width: number, height: number) => Promise<void>): () => void {
  const out = process.stdout;
  if (!out.isTTY) return () => undefined;
  const send = (): void => {
    const { columns, rows } = out;
    if (columns > 0 && rows > 0) resize(columns, rows).catch(() => undefined);
  };
  send();
  process.on("SIGWINCH", send);
  return () => process.off("SIGWINCH", send);
}

/**
 * Ctrl-C (SIGINT) and SIGTERM: the first calls `signal("SIGTERM")`, later ones
 * `signal("SIGKILL")`. Returns the unsubscribe (the default handlers come back).
 */
export function forwardSignals(signal: (name: "SIGTERM" | "SIGKILL") => void): () => void {
  let count = 0;
  const on = (): void => {
    count++;
    signal(count === 1 ? "SIGTERM" : "SIGKILL");
  };
  process.on("SIGINT", on);
  process.on("SIGTERM", on);
  return () => {
    process.off("SIGINT", on);
    process.off("SIGTERM", on);
  };
}
