// Access to the lab daemon started by scripts/lab (scripts/test-all.sh exports its address).
import { randomBytes } from "node:crypto";
import { lastValueFrom } from "rxjs";
import { Containerd } from "../../src/index.js";

/** The lab socket; integration tests fail (not skip) without one. */
export function labAddress(): string {
  const address = process.env["CONTAINERD_ADDRESS"];
  if (!address) throw new Error("CONTAINERD_ADDRESS is not set: run the suite with `npm test` (scripts/test-all.sh), which starts the lab");
  return address;
}

/** A fresh namespace name for one test. */
export function uniqueNamespace(prefix = "it"): string {
  return `${prefix}-${randomBytes(4).toString("hex")}`;
}

/** A client on the lab daemon in a brand-new namespace, and a clean-up that deletes it. */
export async function labClient(prefix?: string): Promise<{ client: Containerd; dispose: () => Promise<void> }> {
  const namespace = uniqueNamespace(prefix);
  const client = new Containerd({ address: labAddress(), namespace });
  await lastValueFrom(client.namespaces.create$(namespace, { "rxcontainerd.test": "1" }));
  return {
    client,
    dispose: async () => {
      await lastValueFrom(client.namespaces.delete$(namespace));
      client.close();
    },
  };
}
