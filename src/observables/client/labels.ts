import { InvalidArgumentError } from "../../errors/containerd-error.js";

/** containerd's limit on one label: key and value together, in UTF-8 bytes. */
export const MAX_LABEL_SIZE = 4096;

/**
 * containerd's label rule (`labels.Validate`): a label's key and value together may take at most
 * {@link MAX_LABEL_SIZE} bytes (UTF-8). The daemon enforces it on containers, namespaces, images,
 * leases, content and snapshots; checking it first turns an oversized label into an
 * {@link InvalidArgumentError} before any RPC — so a multi-step operation such as a container's
 * `create$` leaves nothing behind. The message is containerd 1.7/2.x's (`label key and value length
 * (N bytes) greater than maximum size (4096 bytes), key: <first 10 bytes of the key>`; 1.6 omits
 * the length), prefixed with `what`. Returns the error, or undefined when every label is fine.
 *
 * @example
 * ```ts
 * checkLabels("container labels", { app: "web" });            // undefined
 * checkLabels("container labels", { big: "x".repeat(4096) });  // InvalidArgumentError
 * ```
 */
export function checkLabels(
  what: string,
  labels: Readonly<Record<string, string>> | undefined,
): InvalidArgumentError | undefined {
  for (const [key, value] of Object.entries(labels ?? {})) {
    if (typeof value !== "string") {
      return new InvalidArgumentError(`${what}: label ${JSON.stringify(key.slice(0, 40))} must have a string value`);
    }
    const size = Buffer.byteLength(key) + Buffer.byteLength(value);
    if (size > MAX_LABEL_SIZE) {
      const shown = Buffer.byteLength(key) > 10 ? Buffer.from(key).subarray(0, 10).toString() : key;
      return new InvalidArgumentError(
        `${what}: label key and value length (${size} bytes) greater than maximum size (${MAX_LABEL_SIZE} bytes), key: ${shown}`,
      );
    }
  }
  return undefined;
}
