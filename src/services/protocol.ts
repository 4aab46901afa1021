// Protocol messages the domain decodes or encodes itself (payloads carried in Any fields, stream
// actions, records it converts), re-exported from generated/. src/observables reaches generated/
// only through src/services; dependency-cruiser enforces it. Explicit exports only.

export type { Container as ContainerRecord } from "../../generated/github.com/containerd/containerd/api/services/containers/v1/containers.js";
export { WriteAction } from "../../generated/github.com/containerd/containerd/api/services/content/v1/content.js";
export type {
  WriteContentRequest,
  WriteContentResponse,
} from "../../generated/github.com/containerd/containerd/api/services/content/v1/content.js";
export {
  CheckpointOptions,
  ProcessDetails,
} from "../../generated/github.com/containerd/containerd/api/types/runc/options/oci.js";
export type { Metric } from "../../generated/github.com/containerd/containerd/api/types/metrics.js";
export { Metrics as CgroupV1Stats } from "../../generated/github.com/containerd/cgroups/v3/cgroup1/stats/metrics.js";
export { Metrics as CgroupV2Stats } from "../../generated/github.com/containerd/cgroups/v3/cgroup2/stats/metrics.js";
