import { StringDecoder } from "node:string_decoder";
import { Observable, type OperatorFunction } from "rxjs";
import { InvalidArgumentError } from "../../errors/containerd-error.js";
import type { RunEvent } from "../containers/run.js";

/** Options of {@link lines}. */
export interface LinesOptions {
  /** The text's encoding (`utf8`, `utf16le`, `latin1`, …). Default `utf8`. */
  readonly encoding?: BufferEncoding;
  /** On a `run$` event stream: which stream's `output` events to read. Default `stdout`. */
  readonly stream?: "stdout" | "stderr";
}

/** A chunk of output: bytes, text, or a `run$` event (only `output` events of the chosen stream count). */
export type LineChunk = Uint8Array | string | RunEvent;

/**
 * Turns chunks of output into text lines: each line is emitted without its `\n` (nor the `\r`
 * of a `\r\n`). Chunks may end anywhere: in the middle of a line or of a multi-byte character
 * (decoded with a `StringDecoder`, so a character split across two chunks is never mangled).
 * At completion the last line is emitted even without a final newline (unless it is empty),
 * and an incomplete character at the very end becomes U+FFFD. An error passes through at once
 * (a pending partial line is dropped). Nothing timed: no scheduler, no RPC.
 *
 * What it operates on: `Buffer` / `Uint8Array` / `string` chunks (`task.stdout$`,
 * `process.stderr$`), or a `run$` event stream with piped IO (`io: Stdio.pipe()`), whose `output`
 * events of `options.stream` (stdout by default) are read and the other events ignored.
 * InvalidArgumentError for an unknown `encoding`.
 *
 * @example
 * ```ts
 * client.run$("job", { image, args: ["sh", "-c", "printf 'héllo\\nwörld'"], io: Stdio.pipe() })
 *   .pipe(lines())
 *   .subscribe((line) => console.log(line)); // "héllo", then "wörld"
 * task.stderr$.pipe(lines({ encoding: "latin1" })).subscribe(console.error);
 * ```
 */
export function lines(options: LinesOptions = {}): OperatorFunction<LineChunk, string> {
  const { encoding = "utf8", stream = "stdout" } = options;
  return (source) =>
    new Observable<string>((subscriber) => {
      if (!Buffer.isEncoding(encoding)) {
        subscriber.error(new InvalidArgumentError(`lines: unknown encoding ${JSON.stringify(encoding)}`));
        return undefined;
      }
      const decoder = new StringDecoder(encoding);
      let pending = "";
      const push = (text: string) => {
        let start = 0;
        let nl = text.indexOf("\n");
        if (nl < 0) {
          pending += text;
          return;
        }
        while (nl >= 0 && !subscriber.closed) {
          const line = (start === 0 ? pending : "") + text.slice(start, nl);
          subscriber.next(line.endsWith("\r") ? line.slice(0, -1) : line);
          start = nl + 1;
          nl = text.indexOf("\n", start);
        }
        pending = text.slice(start);
      };
      return source.subscribe({
        next: (chunk) => {
          if (typeof chunk === "string") return push(chunk);
          if (chunk instanceof Uint8Array) return push(decoder.write(chunk as Buffer));
          if (chunk.type === "output" && chunk.stream === stream) push(decoder.write(chunk.data));
        },
        error: (e: unknown) => subscriber.error(e),
        complete: () => {
          push(decoder.end());
          if (pending !== "" && !subscriber.closed) subscriber.next(pending);
          subscriber.complete();
        },
      });
    });
}
