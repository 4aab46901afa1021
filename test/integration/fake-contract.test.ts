// The contract scenarios (test/support/contract.ts) on the lab daemon with busybox: the same
// scenarios test/unit/fake-contract.test.ts runs on rxcontainerd/testing's fake.
import { after, before, test } from "node:test";
import { lastValueFrom } from "rxjs";
import { Stdio, type Containerd } from "../../src/index.js";
import { labClient } from "../support/lab.js";
import { CONTRACT_IMAGE, SCENARIOS } from "../support/contract.js";

let client: Containerd;
let dispose: () => Promise<void>;
before(async () => {
  ({ client, dispose } = await labClient("contract", { image: true }));
});
after(() => dispose());

for (const scenario of SCENARIOS) {
  test(`daemon contract: ${scenario.name}`, { timeout: 20_000 }, async () => {
    await scenario.run({
      client,
      create: (id) =>
        lastValueFrom(
          client.containers.create$(id, { image: CONTRACT_IMAGE, args: scenario.containers[id]?.args ?? [] }),
        ),
      io: () => Stdio.pipe(),
    });
  });
}
