// Commands over several container ids (rm, stop, pause, unpause): each id is tried in turn; its id
// goes to stdout when done, its error to stderr; the exit code is the last failure's (else 0).
import type { Containerd } from "../index.js";
import type { Ctx } from "./context.js";
import { about, exitCodeOf, formatError, UsageError } from "./errors.js";

export async function eachContainer(
  ctx: Ctx,
  command: string,
  act: (client: Containerd, id: string) => Promise<void>,
): Promise<number> {
  const ids = ctx.args.positionals;
  if (ids.length === 0) throw new UsageError(`${command} needs at least one container ID`);
  const client = await ctx.client();
  let code = 0;
  for (const id of ids) {
    try {
      await act(client, id);
      process.stdout.write(id + "\n");
    } catch (e) {
      process.stderr.write(formatError(about(`container ${JSON.stringify(id)}`, e), ctx.debug) + "\n");
      code = exitCodeOf(e);
    }
  }
  return code;
}
