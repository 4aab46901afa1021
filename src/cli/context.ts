// What every command gets: its parsed arguments and a lazily made client (the library is loaded
// only by commands that talk to the daemon, so `rxctr --help` loads nothing heavy).
import { readFileSync } from "node:fs";
import type { Containerd } from "../index.js";
import { str, bool, type FlagSpecs, type Parsed } from "./args.js";
import { CliError } from "./errors.js";

export interface Ctx {
  readonly args: Parsed;
  readonly debug: boolean;
  /** The client (made on first use; same one afterwards). */
  client(): Promise<Containerd>;
}

function readTlsFile(flag: string, path: string | undefined): Buffer | undefined {
  if (path === undefined) return undefined;
  try {
    return readFileSync(path);
  } catch (e) {
    throw new CliError(`--${flag} ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
}

/** Builds the context of one invocation. */
export function makeContext(args: Parsed): Ctx {
  let client: Containerd | undefined;
  return {
    args,
    debug: bool(args, "debug"),
    async client() {
      if (client) return client;
      const { Containerd, DEFAULT_ADDRESS, DEFAULT_NAMESPACE } = await import("../index.js");
      const address = str(args, "address") ?? process.env["CONTAINERD_ADDRESS"] ?? DEFAULT_ADDRESS;
      const namespace = str(args, "namespace") ?? process.env["CONTAINERD_NAMESPACE"] ?? DEFAULT_NAMESPACE;
      const ca = readTlsFile("tls-ca", str(args, "tls-ca"));
      const cert = readTlsFile("tls-cert", str(args, "tls-cert"));
      const key = readTlsFile("tls-key", str(args, "tls-key"));
      const servername = str(args, "tls-servername");
      const tls =
        ca || cert || key || servername
          ? { ...(ca ? { ca } : {}), ...(cert ? { cert } : {}), ...(key ? { key } : {}) }
          : undefined;
      client = new Containerd({
        address,
        namespace,
        ...(tls ? { tls } : {}),
        ...(servername
          ? { channelOptions: { "grpc.ssl_target_name_override": servername, "grpc.default_authority": servername } }
          : {}),
      });
      return client;
    },
  };
}

/** A command module: its flags, whether its first positional ends option parsing, and its body. */
export interface Command {
  readonly flags: FlagSpecs;
  readonly stopAtPositional?: boolean;
  /** Resolves to the process's exit code. */
  run(ctx: Ctx): Promise<number>;
}
