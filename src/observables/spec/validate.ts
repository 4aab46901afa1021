// Argument checks shared by the spec options; failures throw InvalidArgumentError.

import { InvalidArgumentError } from "../../errors/containerd-error.js";

/**
 * Throws InvalidArgumentError unless `value` is an integer in [min, max] (max defaults to
 * Number.MAX_SAFE_INTEGER). Returns the value.
 *
 * @example
 * ```ts
 * checkInteger("withPidsLimit: limit", 64, -1); // 64; throws for 1.5, -2, NaN
 * ```
 */
export function checkInteger(what: string, value: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw new InvalidArgumentError(`${what} must be an integer from ${min} to ${max}, got ${String(value)}`);
  }
  return value;
}

/**
 * Throws InvalidArgumentError unless `value` is a string array (a common mistake from untyped
 * callers is passing a single string). Returns a copy.
 *
 * @example
 * ```ts
 * const args = checkStrings("withProcessArgs", ["sh", "-c", "echo hi"]);
 * ```
 */
export function checkStrings(what: string, value: readonly string[]): string[] {
  if (!Array.isArray(value) || !value.every((v) => typeof v === "string")) {
    throw new InvalidArgumentError(`${what} expects an array of strings`);
  }
  return [...value];
}
