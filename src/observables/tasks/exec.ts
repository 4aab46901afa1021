import { catchError, concatMap, map, throwError, type Observable } from "rxjs";
import { InvalidArgumentError, NotFoundError } from "../../errors/containerd-error.js";
import { isNotFound } from "../../errors/guards.js";
import type { CallOptions } from "../../services/call-options.js";
import { parseSpec, toContainerInfo } from "../containers/container-info.js";
import { jsonAny, nsOptions, PROCESS_TYPE_URL, type DomainContext } from "../client/context.js";
import { checkIdentifier } from "../client/identifiers.js";
import { Stdio, type IOAttacher, type IOCreator } from "../io/stdio.js";
import { ioTarget } from "../io/io-target.js";
import { ProcessImpl, type Process } from "./process.js";
import type { Process as ProcessSpec, User } from "../spec/types.js";
import { withUser } from "../spec/user-opts.js";
import { execUser } from "./exec-user.js";
import { transaction$ } from "../rx/transaction.js";

/**
 * What to run: a complete OCI process, or a partial one (`args` at least) completed from the
 * container's own spec (env, cwd, user, capabilities…), as the Go client's users usually do.
 *
 * In the partial form, `user` may also be a string, as `create$`'s: `uid`, `uid:gid` or names,
 * resolved in the container's image's /etc/passwd and /etc/group (its host-platform manifest,
 * read once per image and client) to the uid, gid and supplementary groups. `ctr task exec
 * --user` gives the primary gid alone; this follows `create$` and `docker exec -u`.
 *
 * @example
 * ```ts
 * task.exec$("report", { args: ["id"], user: "app" }); // uid 1000, gid 1000, groups from /etc/group
 * ```
 */
export type ExecSpec =
  | ProcessSpec
  | (Omit<Partial<ProcessSpec>, "user"> & { readonly args: readonly string[]; readonly user?: User | string });

/** Options of `exec$`. */
export interface ExecOptions extends CallOptions {
  /** Default `Stdio.null()`. */
  readonly io?: IOCreator;
}

/** Options of `loadProcess$` / `task$`. */
export interface LoadProcessOptions extends CallOptions {
  /** Re-attach to the process's FIFOs. */
  readonly attach?: IOAttacher;
}

function complete(spec: ExecSpec): spec is ProcessSpec {
  return spec.cwd !== undefined && spec.user !== undefined && typeof spec.user !== "string";
}

/** Tasks.Exec under rollback (DeleteProcess) if the subscriber leaves or IO fails. @internal */
export function execProcess$(
  ctx: DomainContext,
  containerId: string,
  execId: string,
  spec: ExecSpec,
  options: ExecOptions = {},
): Observable<Process> {
  return transaction$(
    async (tx) => {
      if (execId === "") throw new InvalidArgumentError("exec id must not be empty");
      const bad = checkIdentifier("exec id", execId);
      if (bad) throw bad;
      const call = nsOptions(ctx, options);
      let process: ProcessSpec;
      if (complete(spec)) process = spec;
      else {
        // A user string is parsed before any RPC (a malformed one fails at once), resolved after.
        const named = typeof spec.user === "string" ? { user: spec.user, opt: withUser(spec.user) } : undefined;
        const info = toContainerInfo(
          (await tx.step(ctx.services.containers.get$({ id: containerId }, call))).container,
        );
        const base = parseSpec(info).process;
        const user = named ? await execUser(ctx, info, named.user, named.opt, call) : spec.user;
        process = { ...base, ...spec, ...(user ? { user } : {}), args: [...spec.args] } as ProcessSpec;
      }
      const io = await (options.io ?? Stdio.null()).create(ioTarget(ctx, containerId, execId));
      tx.onRollback(() => io.close());
      await tx.step(
        ctx.services.tasks.exec$(
          {
            containerId,
            execId,
            ...io.config,
            spec: jsonAny(PROCESS_TYPE_URL, { ...process, terminal: io.config.terminal }),
          },
          call,
        ),
      );
      tx.onRollback(() => ctx.services.tasks.deleteProcess$({ containerId, execId }, nsOptions(ctx)));
      return new ProcessImpl(ctx, containerId, execId, 0, io);
    },
    (done) => ctx.inflight.track(ctx.namespace, containerId, done),
  );
}

/** Tasks.Get(exec id) -> Process. @internal */
export function loadProcess$(
  ctx: DomainContext,
  containerId: string,
  execId: string,
  options: LoadProcessOptions = {},
): Observable<Process> {
  return ctx.services.tasks.get$({ containerId, execId }, nsOptions(ctx, options)).pipe(
    map((r) => r.process),
    mapNotFound(`no running process found: process does not exist ${execId}`),
    concatMap(async (p) => {
      const io =
        options.attach && p
          ? await options.attach.attach(ioTarget(ctx, containerId, execId), {
              stdin: p.stdin,
              stdout: p.stdout,
              stderr: p.stderr,
              terminal: p.terminal,
            })
          : undefined;
      return new ProcessImpl(ctx, containerId, execId, p?.pid ?? 0, io);
    }),
  );
}

/** Replaces a NotFound's message with a clearer one, keeping the original as cause. @internal */
export function mapNotFound<T>(message: string) {
  return catchError<T, Observable<never>>((e: unknown) =>
    throwError(() => (isNotFound(e) ? new NotFoundError(message, { cause: e }) : e)),
  );
}
