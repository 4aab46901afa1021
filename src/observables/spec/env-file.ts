// Environment from a file on this host (containerd's WithEnvFile).

import { readFileSync } from "node:fs";
import { InvalidArgumentError } from "../../errors/containerd-error.js";
import { withEnv } from "./process-opts.js";
import type { SpecOpt } from "./spec-opts.js";

/**
 * Merges the lines of a file on this host (`KEY=value`, one per line) into the environment, as
 * {@link withEnv} does, like `WithEnvFile` (`ctr run --env-file`). Every line counts, as in Go: a
 * bare `KEY` unsets KEY. The file is read when the option is applied; InvalidArgumentError if it
 * cannot be.
 *
 * @example
 * ```ts
 * client.containers.create$("api", { image, spec: [withEnvFile("/etc/api/env")] });
 * ```
 */
export function withEnvFile(path: string): SpecOpt {
  return (spec, ctx) => {
    let text: string;
    try {
      text = readFileSync(path, "utf8");
    } catch (e) {
      throw new InvalidArgumentError(`withEnvFile: ${e instanceof Error ? e.message : String(e)}`);
    }
    // bufio.Scanner's lines: split at \n, drop one trailing \r, no empty last line.
    const lines = text.split("\n").map((l) => l.replace(/\r$/, ""));
    if (lines.at(-1) === "") lines.pop();
    return withEnv(lines)(spec, ctx);
  };
}
