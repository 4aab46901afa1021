// rxctr version: client and daemon versions (one Version RPC).
import type { Command } from "../context.js";
import { about } from "../errors.js";
import { last, packageVersion } from "../rx.js";

export const command: Command = {
  flags: {},
  async run(ctx) {
    process.stdout.write(`Client:\n  Version:  ${packageVersion()}\n  Node:     ${process.version}\n\n`);
    const client = await ctx.client();
    const v = await last(client.version$()).catch((e: unknown) => {
      throw about(`version of the daemon at ${client.address}`, e);
    });
    process.stdout.write(`Server:\n  Version:  ${v.version}\n  Revision: ${v.revision}\n`);
    return 0;
  },
};
