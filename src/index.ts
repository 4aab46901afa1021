// rxcontainerd public API. An explicit barrel: everything exported here is public and documented.

// Client
export { Containerd, DEFAULT_ADDRESS, DEFAULT_NAMESPACE } from "./observables/client/client.js";
export type {
  CloseOptions,
  CloseReport,
  ContainerdOptions,
  Plugin,
  ServerInfo,
  Version,
} from "./observables/client/client.js";
export { DEFAULT_CLOSE_TIMEOUT_MS } from "./observables/client/client.js";
export type { Leftover } from "./observables/client/inflight.js";
export { Namespaces } from "./observables/client/namespaces.js";
export type { CreateNamespaceOptions, Namespace } from "./observables/client/namespaces.js";
export { checkIdentifier, MAX_IDENTIFIER_LENGTH } from "./observables/client/identifiers.js";
export { checkLabels, MAX_LABEL_SIZE } from "./observables/client/labels.js";
export type { RunOptions } from "./observables/client/client.js";
export type { PullPolicy, RunPullOptions } from "./observables/containers/pull-policy.js";

// Containers, tasks, processes
export { Containers } from "./observables/containers/containers.js";
export type { Container, ContainerUpdate, ImageRecord } from "./observables/containers/container.js";
export type { AnyValue, ContainerInfo } from "./observables/containers/container-info.js";
export { parseSpec } from "./observables/containers/container-info.js";
export type { CreateContainerOptions } from "./observables/containers/create-container.js";
export type { NewTaskOptions } from "./observables/tasks/new-task.js";
export type { Task, TaskPid, TaskKillOptions, CheckpointTaskOptions } from "./observables/tasks/task.js";
export { DEFAULT_KILL_GRACE_MS } from "./observables/tasks/stop.js";
export type { StopOptions } from "./observables/tasks/stop.js";
export { STOP_SIGNAL_LABEL } from "./observables/containers/stop-signal.js";
export type { Process, KillOptions, DeleteProcessOptions } from "./observables/tasks/process.js";
export type { ExecSpec, ExecOptions, LoadProcessOptions } from "./observables/tasks/exec.js";
export type { ExitStatus, ProcessState, ProcessStatus } from "./observables/tasks/exit-status.js";
export type { WaitMode } from "./observables/tasks/wait/exit-hub.js";
export type { TaskMetrics, CgroupV1Metrics, CgroupV2Metrics } from "./observables/tasks/task-metrics.js";
export { Stdio } from "./observables/io/stdio.js";
export type {
  IOAttacher,
  IOConfig,
  IOCreator,
  IOTarget,
  PipeOptions,
  ProcessIO,
  StdinSource,
  StreamsOptions,
  TerminalOptions,
} from "./observables/io/stdio.js";
export { parseSignal, SIGNALS } from "./observables/tasks/signals.js";
export type { Signal } from "./observables/tasks/signals.js";
export { lifecycle$ } from "./observables/containers/run.js";
export type { RunEvent } from "./observables/containers/run.js";
export { withCleanup } from "./observables/rx/cleanup.js";

// Operators for container pipelines (docs/operators.md)
export type { ExitSource } from "./observables/operators/exit-of.js";
export { exitCode } from "./observables/operators/exit-code.js";
export { throwOnNonZeroExit } from "./observables/operators/throw-on-non-zero-exit.js";
export { restartOnExit } from "./observables/operators/restart-on-exit.js";
export type { RestartOnExitOptions } from "./observables/operators/restart-on-exit.js";
export { killAfter } from "./observables/operators/kill-after.js";
export type { KillAfterOptions } from "./observables/operators/kill-after.js";
export { lines } from "./observables/operators/lines.js";
export type { LineChunk, LinesOptions } from "./observables/operators/lines.js";
export { mapJobs } from "./observables/operators/map-jobs.js";
export { hot } from "./observables/rx/hot.js";

// Leases, content, snapshots, images
export { Leases, LEASE_EXPIRE_LABEL, withLease } from "./observables/content/leases.js";
export type { CreateLeaseOptions, Lease, LeaseResource, WithLeaseOptions } from "./observables/content/leases.js";
export { ContentStore } from "./observables/content/content.js";
export type {
  ContentInfo,
  ContentReadOptions,
  ContentStatus,
  ContentWriteOptions,
} from "./observables/content/content.js";
export type { WrittenBlob } from "./observables/content/blob-writer.js";
export { Snapshotter } from "./observables/content/snapshotter.js";
export type { SnapshotInfo, SnapshotMount, SnapshotOptions, SnapshotUsage } from "./observables/content/snapshotter.js";
export { Images } from "./observables/images/images.js";
export type { CreateImageOptions } from "./observables/images/images.js";
export { Image } from "./observables/images/image.js";
export type { ImageRecordInfo, UnpackOptions } from "./observables/images/image.js";
export type { ImageProgress } from "./observables/images/image.js";
export type { ImageProgressOf } from "./observables/images/image-progress.js";
export { Transfer } from "./observables/transfer/transfer.js";
export type {
  TransferExportOptions,
  TransferImportOptions,
  TransferPullOptions,
  TransferPushOptions,
  TransferRegistryOptions,
  TransferTagOptions,
} from "./observables/transfer/transfer.js";
export { hostCredentials } from "./observables/transfer/transfer-credentials.js";
export type {
  TransferAuthRequest,
  TransferCredentials,
  TransferRegistryCredentials,
} from "./observables/transfer/transfer-credentials.js";
export type { TransferProgress, TransferStatus } from "./observables/transfer/transfer-progress.js";
export type { ImportOptions } from "./observables/images/archive/import-index.js";
export type { PullOptions } from "./observables/images/pull.js";
export type { PushOptions } from "./observables/images/push.js";
export type { RemoteOptions } from "./observables/images/remote.js";
export type { LongCallOptions } from "./observables/content/store-context.js";
export type { ExportOptions } from "./observables/images/archive/export-archive.js";
export type { OciDescriptor } from "./observables/images/image-reader.js";
// Raw services and the adapter
export type { CallOptions } from "./services/call-options.js";
export type { CallStats } from "./services/call-control.js";
export type { Services } from "./services/services.js";
export type { MessageInit } from "./services/message.js";
export type { SingleRequestCall, StreamRequestCall } from "./services/rpc.js";
export type { TlsOptions } from "./services/connect.js";
export type { ConnectivityState } from "./services/connectivity.js";
export { MAX_MESSAGE_BYTES } from "./services/connect.js";
export type { ContainersApi } from "./services/containers.js";
export type { ContentApi } from "./services/content.js";
export type { DiffApi } from "./services/diff.js";
export type { EventsApi } from "./services/events.js";
export type { HealthApi } from "./services/health.js";
export type { ImagesApi } from "./services/images.js";
export type { IntrospectionApi } from "./services/introspection.js";
export type { LeasesApi } from "./services/leases.js";
export type { NamespacesApi } from "./services/namespaces.js";
export type { SnapshotsApi } from "./services/snapshots.js";
export type { TasksApi } from "./services/tasks.js";
export type { VersionApi } from "./services/version.js";

// Errors
export { Code } from "./errors/code.js";
export type { ErrorKind } from "./errors/code.js";
export {
  AbortedError,
  AlreadyExistsError,
  CanceledError,
  ConflictError,
  ContainerdError,
  DataLossError,
  DeadlineExceededError,
  FailedPreconditionError,
  InternalError,
  InvalidArgumentError,
  NotFoundError,
  NotImplementedError,
  NotModifiedError,
  OutOfRangeError,
  PermissionDeniedError,
  ResourceExhaustedError,
  UnauthenticatedError,
  UnavailableError,
  UnknownError,
  classForStatus,
} from "./errors/containerd-error.js";
export type {
  ContainerdErrorClass,
  ContainerdErrorInit,
  ErrorDetail,
  NotImplementedErrorInit,
} from "./errors/containerd-error.js";
export { ExitCodeError } from "./errors/exit-code-error.js";
export type { ExitCodeErrorInit, ExitCodeErrorStatus } from "./errors/exit-code-error.js";
export { TaskGoneError } from "./errors/task-gone.js";
export type { TaskGoneReason } from "./errors/task-gone.js";
export {
  isAborted,
  isAlreadyExists,
  isContainerdError,
  isCanceled,
  isConflict,
  isDataLoss,
  isDeadlineExceeded,
  isExitCodeError,
  isFailedPrecondition,
  isInternal,
  isInvalidArgument,
  isNotFound,
  isNotImplemented,
  isNotModified,
  isOutOfRange,
  isPermissionDenied,
  isResourceExhausted,
  isUnauthenticated,
  isUnavailable,
  isUnknown,
} from "./errors/guards.js";

// OCI runtime spec
export type { Box, Hook, Hooks, Mount, Process as ProcessSpec, Root, Spec, User } from "./observables/spec/types.js";
export type {
  Linux,
  LinuxCapabilities,
  LinuxCPU,
  LinuxDevice,
  LinuxDeviceCgroup,
  LinuxIDMapping,
  LinuxMemory,
  LinuxNamespace,
  LinuxNamespaceType,
  LinuxPids,
  LinuxResources,
  LinuxSeccomp,
  LinuxSyscall,
  POSIXRlimit,
} from "./observables/spec/linux-types.js";
export type { ImageConfig, ImageConfigFile, ImageHistory } from "./observables/spec/image-types.js";
export { DEFAULT_UNIX_CAPABILITIES, OCI_VERSION, defaultMounts, defaultSpec } from "./observables/spec/default-spec.js";
export { DEFAULT_PATH_ENV, envFromRecord, mergeEnv } from "./observables/spec/env.js";
export { findGroup, findUser, parseGroup, parseId, parsePasswd, supplementaryGids } from "./observables/spec/passwd.js";
export type { GroupEntry, PasswdEntry } from "./observables/spec/passwd.js";
export {
  applySpecOpts,
  composeSpecOpts,
  defineSpecOpt,
  ensureLinux,
  ensureProcess,
  ensureResources,
} from "./observables/spec/spec-opts.js";
export type { SpecContext, SpecImageContext, SpecOpt } from "./observables/spec/spec-opts.js";
export {
  withAnnotations,
  withDefaultPathEnv,
  withEnv,
  withHostname,
  withMounts,
  withProcessArgs,
  withProcessCwd,
  withReadonlyRootfs,
  withTTY,
  withTTYSize,
} from "./observables/spec/process-opts.js";
export {
  withAddedCapabilities,
  withAmbientCapabilities,
  withCapabilities,
  withCPUShares,
  withDroppedCapabilities,
  withHostNamespace,
  withLinuxNamespace,
  withMemoryLimit,
  withNoNewPrivileges,
  withPidsLimit,
  withRlimit,
} from "./observables/spec/linux-opts.js";
export { withAdditionalGIDs, withUIDGID, withUser } from "./observables/spec/user-opts.js";
export {
  KNOWN_CAPABILITIES,
  effectiveCapabilities,
  withAllCurrentCapabilities,
  withAllKnownCapabilities,
} from "./observables/spec/all-capabilities.js";
export {
  withApparmorProfile,
  withMaskedPaths,
  withPrivileged,
  withReadonlyPaths,
  withSeccompUnconfined,
  withSelinuxLabel,
  withWriteableCgroupfs,
  withWriteableSysfs,
} from "./observables/spec/security-opts.js";
export { withHostHostsFile, withHostLocaltime, withHostResolvconf } from "./observables/spec/host-files.js";
export { deviceFromPath, hostDevices } from "./observables/spec/host-devices.js";
export {
  withAllDevicesAllowed,
  withDefaultUnixDevices,
  withDevices,
  withHostDevices,
  withLinuxDevices,
  withParentCgroupDevices,
} from "./observables/spec/device-opts.js";
export {
  withCgroup,
  withCPUCFS,
  withCPUs,
  withCPUsMems,
  withMemorySwap,
  withNamespacedCgroup,
} from "./observables/spec/resource-opts.js";
export { withDevShmSize, withoutMounts, withoutRunMount } from "./observables/spec/mount-opts.js";
export { withEnvFile } from "./observables/spec/env-file.js";
export { withImageConfig } from "./observables/spec/image-opts.js";

// Events
export type {
  Envelope,
  KnownEnvelope,
  UnknownEnvelope,
  KnownEventTypeUrl,
  UnknownEventTypeUrl,
  EventPayload,
  EventPayloads,
} from "./observables/events/event-types.js";
export { decodeEnvelope, isEvent } from "./observables/events/event-types.js";
export type { EventsOptions } from "./observables/events/events.js";
export { scopeFilters } from "./observables/events/events.js";
export { filterOf, parseFilter, quoteFilterValue } from "./observables/events/filters.js";
export type { FilterSelector } from "./observables/events/filters.js";
export { backoffDelay, retryWithBackoff } from "./observables/rx/backoff.js";
export type { BackoffConfig } from "./observables/rx/backoff.js";

// Registries and OCI basics. The HTTP registry client, media types, digests and tar parsing are
// behind the subpaths "rxcontainerd/registry", "rxcontainerd/oci" and "rxcontainerd/tar".
export { Registry } from "./observables/registry/registry.js";
export type {
  CredentialsAnswer,
  CredentialsLookup,
  RegistryAuth,
  RegistryCredentials,
} from "./observables/registry/auth.js";
export { dockerConfigAuth, dockerConfigPath } from "./observables/registry/docker-config.js";
export type { DockerConfigAuthOptions } from "./observables/registry/docker-config.js";
export { formatReference, parseReference } from "./observables/oci/reference.js";
export { normalizeReference } from "./observables/oci/oci.js";
export type { ImageReference } from "./observables/oci/reference.js";
export type { Descriptor, ImageIndex, ImageManifest, Platform } from "./observables/oci/media-types.js";
export { DEFAULT_PLATFORM, formatPlatform, hostPlatform, parsePlatform } from "./observables/oci/platforms.js";
export type { HostInfo } from "./observables/oci/platforms.js";
