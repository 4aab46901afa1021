// rxctr events [--json] [--filter F]…: the daemon's live events (every namespace, like ctr),
// one line each, until Ctrl-C.
import type { Envelope } from "../../index.js";
import { bool, list } from "../args.js";
import type { Command } from "../context.js";
import { about } from "../errors.js";

/** JSON.stringify replacer: bytes as base64, bigints as strings. */
function replacer(_key: string, value: unknown): unknown {
  if (value instanceof Uint8Array) return Buffer.from(value).toString("base64");
  if (typeof value === "bigint") return value.toString();
  return value;
}

/** `key=value` pairs of the payload's scalar fields (empty ones left out). */
function fields(event: unknown): string {
  if (!event || typeof event !== "object") return "";
  const out: string[] = [];
  for (const [k, v] of Object.entries(event)) {
    if (v === undefined || v === null || v === "" || (Array.isArray(v) && v.length === 0)) continue;
    if (v instanceof Date) out.push(`${k}=${v.toISOString()}`);
    else if (typeof v === "object") {
      const s = JSON.stringify(v, replacer);
      if (s !== "{}") out.push(`${k}=${s}`);
    } else out.push(`${k}=${String(v)}`);
  }
  return out.join(" ");
}

function pretty(e: Envelope): string {
  const payload = e.decoded ? fields(e.event) : `(${e.typeUrl}, ${e.event.length} bytes)`;
  return `${e.timestamp.toISOString()}  ${e.namespace}  ${e.topic}  ${payload}`.trimEnd() + "\n";
}

function json(e: Envelope): string {
  return (
    JSON.stringify(
      { timestamp: e.timestamp, namespace: e.namespace, topic: e.topic, type: e.typeUrl, event: e.event },
      replacer,
    ) + "\n"
  );
}

export const command: Command = {
  flags: { json: { kind: "boolean" }, filter: { kind: "list", short: "f" } },
  async run(ctx) {
    const client = await ctx.client();
    const format = bool(ctx.args, "json") ? json : pretty;
    return new Promise<number>((resolve, reject) => {
      const sub = client.events$(list(ctx.args, "filter"), { maxConnectAttempts: 5 }).subscribe({
        next: (e) => void process.stdout.write(format(e)),
        error: (e: unknown) => reject(about(`events of the daemon at ${client.address}`, e)),
        complete: () => resolve(0),
      });
      const stop = (): void => {
        sub.unsubscribe();
        resolve(0);
      };
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
    });
  },
};
