// Both pull paths on the same image: the client-side images.pull$ (this process talks to the
// registry and writes the content store) and the daemon-side client.transfer.pull$ (containerd's
// Transfer service does the work; progress streams back). The lab's busybox from a local
// docker-registry over plain HTTP, pulled (and unpacked) RXC_BENCH_TRANSFER_REP times (default 5)
// each, alternating, the image and its content garbage-collected between pulls. Prints a table,
// then one JSON line. Skips itself on a daemon without Transfer (containerd 1.6).
import { randomBytes } from "node:crypto";
import { lastValueFrom, toArray, type Observable } from "rxjs";
import { Containerd } from "../src/index.js";
import { daemonVersion, atLeast } from "../test/support/daemon-version.js";
import { registryDown, registrySeed, registryUp } from "../test/support/registry.js";
import { dist, row } from "./support.js";

const REP = Number(process.env["RXC_BENCH_TRANSFER_REP"] ?? 5);

async function main(): Promise<void> {
  // A namespace of its own without the lab image: every pull downloads and unpacks for real.
  const namespace = `bench-transfer-${randomBytes(3).toString("hex")}`;
  const client = new Containerd({ namespace });
  await lastValueFrom(client.namespaces.create$(namespace));
  const dispose = async () => {
    for (const img of await lastValueFrom(client.images.list$())) {
      await lastValueFrom(client.images.delete$(img.name, { sync: true }));
    }
    await lastValueFrom(client.namespaces.delete$(namespace));
    client.close();
  };
  const version = await daemonVersion(client);
  if (!atLeast(version, 1, 7)) {
    row("transfer", `skipped: containerd ${version.version} has no Transfer service (>= 1.7)`, "", "");
    await dispose();
    return;
  }
  const archive = process.env["RXC_LAB_IMAGE_TAR"];
  if (!archive) throw new Error("RXC_LAB_IMAGE_TAR is not set (run through scripts/bench.sh or `scripts/lab env`)");
  const registry = registryUp();
  try {
    registrySeed(registry, archive, "library/busybox:latest");
    const ref = `${registry}/library/busybox:latest`;
    const time = async (pull: () => Observable<unknown>): Promise<number> => {
      const t0 = performance.now();
      await lastValueFrom(pull().pipe(toArray()));
      const ms = performance.now() - t0;
      await lastValueFrom(client.images.delete$(ref, { sync: true }));
      return ms;
    };
    const paths = {
      "images.pull$ (client-side)": (unpack: boolean) => () => client.images.pull$(ref, { plainHttp: true, unpack }),
      "transfer.pull$ (daemon-side)": (unpack: boolean) => () => client.transfer.pull$(ref, { unpack }),
    };
    const results: Record<string, ReturnType<typeof dist>> = {};
    for (const unpack of [false, true]) {
      const ms: Record<string, number[]> = {};
      for (let i = 0; i < REP; i++) {
        for (const [name, make] of Object.entries(paths)) (ms[name] ??= []).push(await time(make(unpack)));
      }
      for (const [name, xs] of Object.entries(ms)) {
        const d = dist(xs);
        const key = `${name}${unpack ? " + unpack" : ""}`;
        results[key] = d;
        row(
          "transfer",
          `${key}, busybox (${version.version})`,
          "ms",
          `median ${d.median} (min ${d.min}, max ${d.max}, n ${d.n})`,
        );
      }
    }
    console.log(JSON.stringify({ bench: "transfer", containerd: version.version, results }));
  } finally {
    registryDown(registry);
    await dispose();
  }
}

await main();
