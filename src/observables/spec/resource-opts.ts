// CPU placement and quota, swap, and the cgroup path (containerd's WithCPUCFS, WithCPUs,
// WithCPUsMems, WithMemorySwap, WithCgroup, WithNamespacedCgroup).

import { InvalidArgumentError } from "../../errors/containerd-error.js";
import { defineSpecOpt, ensureLinux, ensureResources, type SpecOpt } from "./spec-opts.js";
import { checkInteger } from "./validate.js";

/**
 * Sets the CFS quota and period in microseconds (`linux.resources.cpu.quota` / `period`), like
 * `WithCPUCFS`. A quota of `-1` means no limit. 1.5 CPUs is `withCPUCFS(150_000, 100_000)`, which
 * is what `ctr run --cpus 1.5` sets.
 *
 * @example
 * ```ts
 * withCPUCFS(50_000, 100_000); // half a CPU
 * ```
 */
export function withCPUCFS(quota: number, period: number): SpecOpt {
  checkInteger("withCPUCFS: quota", quota, -1);
  checkInteger("withCPUCFS: period", period, 0);
  return defineSpecOpt((draft) => {
    const r = ensureResources(draft);
    r.cpu = { ...r.cpu, quota, period };
  });
}

const CPU_LIST = /^\d+(-\d+)?(,\d+(-\d+)?)*$/;

/** A cpuset list (`0-1,3`) into `linux.resources.cpu[field]`. */
function cpuset(what: string, field: "cpus" | "mems", value: string): SpecOpt {
  if (typeof value !== "string" || !CPU_LIST.test(value)) {
    throw new InvalidArgumentError(`${what}: ${JSON.stringify(value)} is not a cpuset list (e.g. "0-1,3")`);
  }
  return defineSpecOpt((draft) => {
    const r = ensureResources(draft);
    r.cpu = { ...r.cpu, [field]: value };
  });
}

/**
 * Sets the CPUs the container may run on (`linux.resources.cpu.cpus`, cpuset syntax), like
 * `WithCPUs`. InvalidArgumentError for a string that is not a cpuset list.
 *
 * @example
 * ```ts
 * withCPUs("0-1,3");
 * ```
 */
export function withCPUs(cpus: string): SpecOpt {
  return cpuset("withCPUs", "cpus", cpus);
}

/**
 * Sets the memory nodes the container may use (`linux.resources.cpu.mems`, cpuset syntax), like
 * `WithCPUsMems`.
 *
 * @example
 * ```ts
 * withCPUsMems("0");
 * ```
 */
export function withCPUsMems(mems: string): SpecOpt {
  return cpuset("withCPUsMems", "mems", mems);
}

/**
 * Sets memory plus swap in bytes (`linux.resources.memory.swap`), like `WithMemorySwap`; `-1`
 * means unlimited swap.
 *
 * @example
 * ```ts
 * composeSpecOpts(withMemoryLimit(256 * 2 ** 20), withMemorySwap(512 * 2 ** 20));
 * ```
 */
export function withMemorySwap(bytes: number): SpecOpt {
  checkInteger("withMemorySwap: bytes", bytes, -1);
  return defineSpecOpt((draft) => {
    const r = ensureResources(draft);
    r.memory = { ...r.memory, swap: bytes };
  });
}

/**
 * Sets the cgroup path (`linux.cgroupsPath`), like `WithCgroup`; `""` leaves the choice to the
 * runtime. The default spec's is `/<namespace>/<id>`.
 *
 * @example
 * ```ts
 * withCgroup("/batch/job-7");
 * ```
 */
export function withCgroup(path: string): SpecOpt {
  if (typeof path !== "string") throw new InvalidArgumentError("withCgroup: the path must be a string");
  return defineSpecOpt((draft) => {
    ensureLinux(draft).cgroupsPath = path;
  });
}

/**
 * Sets the cgroup path to `/<namespace>/<id>` from the spec context, like `WithNamespacedCgroup`.
 *
 * @example
 * ```ts
 * withNamespacedCgroup(); // "/default/web" for container "web" in namespace "default"
 * ```
 */
export function withNamespacedCgroup(): SpecOpt {
  return defineSpecOpt((draft, ctx) => {
    ensureLinux(draft).cgroupsPath = `/${ctx.namespace}/${ctx.id}`;
  });
}
