// The contract scenarios (test/support/contract.ts) on rxcontainerd/testing's fake, in virtual time.
import { test } from "node:test";
import assert from "node:assert/strict";
import { lastValueFrom } from "rxjs";
import { TestScheduler } from "rxjs/testing";
import { createFakeContainerd, fakeStdio, runMarbles } from "../../src/testing.js";
import { CONTRACT_IMAGE, SCENARIOS } from "../support/contract.js";

for (const scenario of SCENARIOS) {
  test(`fake contract: ${scenario.name}`, { timeout: 10_000 }, async () => {
    const scheduler = new TestScheduler((actual, expected) => assert.deepStrictEqual(actual, expected));
    await runMarbles(scheduler, async () => {
      const tasks = Object.fromEntries(Object.entries(scenario.containers).map(([id, c]) => [id, c.script]));
      const client = createFakeContainerd({ scheduler, tasks, namespace: "contract" });
      await scenario.run({
        client,
        create: (id) =>
          lastValueFrom(
            client.containers.create$(id, { image: CONTRACT_IMAGE, args: scenario.containers[id]?.args ?? [] }),
          ),
        io: () => fakeStdio(client),
      });
      const left = await lastValueFrom(client.services.containers.list$({}));
      assert.deepEqual(
        left.containers.map((c) => c.id),
        [],
        "no container left",
      );
      const leases = await lastValueFrom(client.services.leases.list$({}));
      assert.deepEqual(leases.leases, [], "no lease left");
      client.close();
    });
  });
}
