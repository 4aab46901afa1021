import { CgroupV1Stats as V1Metrics, CgroupV2Stats as V2Metrics } from "../../services/protocol.js";
import { NotFoundError } from "../../errors/containerd-error.js";
import type { Metric } from "../../services/protocol.js";

export type { V1Metrics as CgroupV1Metrics, V2Metrics as CgroupV2Metrics };

/** A task's cgroup statistics, decoded by cgroup version (Tasks.Metrics). */
export type TaskMetrics =
  | { readonly cgroup: "v1"; readonly timestamp: Date | undefined; readonly id: string; readonly data: V1Metrics }
  | { readonly cgroup: "v2"; readonly timestamp: Date | undefined; readonly id: string; readonly data: V2Metrics }
  | {
      readonly cgroup: "unknown";
      readonly timestamp: Date | undefined;
      readonly id: string;
      readonly typeUrl: string;
      readonly raw: Uint8Array;
    };

/** Decodes the first metric of a Tasks.Metrics answer. NotFoundError when there is none. @internal */
export function decodeMetrics(id: string, metrics: readonly Metric[]): TaskMetrics {
  const m = metrics[0];
  if (!m?.data) throw new NotFoundError(`no metrics received for task ${id}`);
  const base = { timestamp: m.timestamp, id: m.id };
  switch (m.data.typeUrl) {
    case "io.containerd.cgroups.v1.Metrics":
      return { ...base, cgroup: "v1", data: V1Metrics.decode(m.data.value) };
    case "io.containerd.cgroups.v2.Metrics":
      return { ...base, cgroup: "v2", data: V2Metrics.decode(m.data.value) };
    default:
      return { ...base, cgroup: "unknown", typeUrl: m.data.typeUrl, raw: m.data.value };
  }
}
