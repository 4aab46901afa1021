import { StringDecoder } from "node:string_decoder";

/**
 * Splits a byte stream into text lines: multi-byte characters split across chunks stay whole,
 * `\r\n` and `\n` end a line, and `end()` returns the last line when it had no newline.
 * @internal
 */
export class LineSplitter {
  private readonly decoder: StringDecoder;
  private partial = "";

  constructor(encoding: BufferEncoding = "utf8") {
    this.decoder = new StringDecoder(encoding);
  }

  /** The lines this chunk completes. */
  push(chunk: Buffer): string[] {
    const parts = (this.partial + this.decoder.write(chunk)).split("\n");
    this.partial = parts.pop() ?? "";
    return parts.map((l) => (l.endsWith("\r") ? l.slice(0, -1) : l));
  }

  /** The unterminated last line, if any. */
  end(): string[] {
    const rest = this.partial + this.decoder.end();
    this.partial = "";
    return rest === "" ? [] : [rest];
  }
}
