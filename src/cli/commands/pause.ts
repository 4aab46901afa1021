// rxctr pause ID… / rxctr unpause ID…: Tasks.Pause / Tasks.Resume of each container's task.
import { concatMap } from "rxjs";
import type { Command } from "../context.js";
import { eachContainer } from "../each-container.js";
import { last } from "../rx.js";

function pauseCommand(name: "pause" | "unpause"): Command {
  return {
    flags: {},
    async run(ctx) {
      return eachContainer(ctx, name, async (client, id) => {
        await last(
          client.containers.load$(id).pipe(
            concatMap((c) => c.task$()),
            concatMap((t) => (name === "pause" ? t.pause$() : t.resume$())),
          ),
          { defaultValue: undefined },
        );
      });
    },
  };
}

export const pause = pauseCommand("pause");
export const unpause = pauseCommand("unpause");
