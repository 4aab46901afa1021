// One-line Observable wrappers over Snapshots's RPCs; all plumbing lives in Rpc.
import {
  CleanupRequest,
  CommitSnapshotRequest,
  ListSnapshotsRequest,
  MountsRequest,
  PrepareSnapshotRequest,
  RemoveSnapshotRequest,
  SnapshotsService,
  StatSnapshotRequest,
  UpdateSnapshotRequest,
  UsageRequest,
  ViewSnapshotRequest,
} from "../../generated/github.com/containerd/containerd/api/services/snapshots/v1/snapshots.js";
import type { Rpc } from "./rpc.js";

/**
 * `containerd.services.snapshots.v1.Snapshots` as Observables. Every method is cold: it issues the RPC when subscribed (once per
 * subscription), emits the response (streaming methods: each message, then complete), cancels the
 * call on unsubscribe, and reports failures as `ContainerdError` subclasses (`NotFoundError`, …).
 * Requests take any subset of the message's fields; options are the trailing `CallOptions`.
 *
 * @example
 * ```ts
 * client.services.snapshots.stat$({ snapshotter: "overlayfs", key: chainId }).subscribe(console.log);
 * ```
 */
export function snapshotsApi(rpc: Rpc) {
  return {
    /** `Prepare` (emits the response). */
    prepare$: rpc.unary(SnapshotsService.prepare, PrepareSnapshotRequest),
    /** `View` (emits the response). */
    view$: rpc.unary(SnapshotsService.view, ViewSnapshotRequest),
    /** `Mounts` (emits the response). */
    mounts$: rpc.unary(SnapshotsService.mounts, MountsRequest),
    /** `Commit` (emits the response). */
    commit$: rpc.unary(SnapshotsService.commit, CommitSnapshotRequest),
    /** `Remove` (emits the response). */
    remove$: rpc.unary(SnapshotsService.remove, RemoveSnapshotRequest),
    /** `Stat` (emits the response). */
    stat$: rpc.unary(SnapshotsService.stat, StatSnapshotRequest),
    /** `Update` (emits the response). */
    update$: rpc.unary(SnapshotsService.update, UpdateSnapshotRequest),
    /** `List` (emits each streamed message). */
    list$: rpc.serverStream(SnapshotsService.list, ListSnapshotsRequest),
    /** `Usage` (emits the response). */
    usage$: rpc.unary(SnapshotsService.usage, UsageRequest),
    /** `Cleanup` (emits the response). */
    cleanup$: rpc.unary(SnapshotsService.cleanup, CleanupRequest),
  };
}

/** The methods of `snapshotsApi`. */
export type SnapshotsApi = ReturnType<typeof snapshotsApi>;
