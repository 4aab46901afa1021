import { InvalidArgumentError } from "../../errors/containerd-error.js";

const IDENTIFIER = /^[A-Za-z0-9]+(?:[._-][A-Za-z0-9]+)*$/;
/** containerd's maximum identifier length. */
export const MAX_IDENTIFIER_LENGTH = 76;

/**
 * containerd's identifier rules (namespaces, containers, leases, exec ids…): letters and digits,
 * separated by single `.`, `_` or `-`, starting and ending with a letter or digit, at most 76
 * characters. Returns an {@link InvalidArgumentError} describing the problem, or undefined.
 */
export function checkIdentifier(what: string, id: unknown) {
  if (typeof id !== "string" || id === "") {
    return new InvalidArgumentError(`${what} must not be empty`);
  }
  if (id.length > MAX_IDENTIFIER_LENGTH) {
    return new InvalidArgumentError(
      `${what} ${JSON.stringify(id.slice(0, 20))}… is longer than ${MAX_IDENTIFIER_LENGTH} characters`,
    );
  }
  if (!IDENTIFIER.test(id)) {
    return new InvalidArgumentError(`${what} ${JSON.stringify(id)} must match ${IDENTIFIER.source}`);
  }
  return undefined;
}
