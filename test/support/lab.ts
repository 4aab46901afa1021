// Access to the lab daemon started by scripts/lab (scripts/test-all.sh exports its address).
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { lastValueFrom } from "rxjs";
import { Containerd } from "../../src/index.js";

/** The lab's busybox image. */
export const BUSYBOX = "docker.io/library/busybox:latest";
const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");

/** The lab socket; integration tests fail (not skip) without one. */
export function labAddress(): string {
  const address = process.env["CONTAINERD_ADDRESS"];
  if (!address)
    throw new Error(
      "CONTAINERD_ADDRESS is not set: run the suite with `npm test` (scripts/test-all.sh), which starts the lab",
    );
  return address;
}

/** A fresh namespace name for one test. */
export function uniqueNamespace(prefix = "it"): string {
  return `${prefix}-${randomBytes(4).toString("hex")}`;
}

export interface LabClient {
  client: Containerd;
  /**
   * Deletes the images and leases the test made and then the namespace itself. containerd refuses
   * to delete a namespace that still holds containers or snapshots, so a leak fails the test here.
   */
  dispose: () => Promise<void>;
}

/** A client on the lab daemon in a brand-new namespace (with the busybox image when `image`). */
export async function labClient(prefix?: string, options: { image?: boolean } = {}): Promise<LabClient> {
  const namespace = uniqueNamespace(prefix);
  const client = new Containerd({ address: labAddress(), namespace });
  await lastValueFrom(client.namespaces.create$(namespace, { labels: { "rxcontainerd.test": "1" } }));
  if (options.image)
    execFileSync("bash", [join(repoRoot, "scripts", "lab"), "import", namespace], { stdio: "inherit" });
  return {
    client,
    dispose: async () => {
      const s = client.services;
      const leftovers = (await lastValueFrom(s.containers.list$({}))).containers.map((c) => c.id);
      for (const img of (await lastValueFrom(s.images.list$({}))).images) {
        await lastValueFrom(s.images.delete$({ name: img.name, sync: true }));
      }
      const leases = (await lastValueFrom(s.leases.list$({}))).leases.map((l) => l.id);
      client.close();
      if (leftovers.length > 0 || leases.length > 0) {
        throw new Error(
          `namespace ${namespace} leaked containers ${JSON.stringify(leftovers)} / leases ${JSON.stringify(leases)}`,
        );
      }
      const admin = new Containerd({ address: labAddress(), namespace });
      await lastValueFrom(admin.namespaces.delete$(namespace)).finally(() => admin.close());
    },
  };
}
