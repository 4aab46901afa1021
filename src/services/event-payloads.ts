// The payload types of containerd's events by type URL, and their decoders: the protocol half of
// events/event-types.ts (src/observables reaches generated/ only through src/services).
import * as C from "../../generated/github.com/containerd/containerd/api/events/container.js";
import * as Ct from "../../generated/github.com/containerd/containerd/api/events/content.js";
import * as I from "../../generated/github.com/containerd/containerd/api/events/image.js";
import * as N from "../../generated/github.com/containerd/containerd/api/events/namespace.js";
import * as S from "../../generated/github.com/containerd/containerd/api/events/snapshot.js";
import * as T from "../../generated/github.com/containerd/containerd/api/events/task.js";

/** Payload type of every event containerd publishes (1.6 to 2.x), by type URL (images live under their service's package). */
export interface EventPayloads {
  "containerd.events.TaskCreate": T.TaskCreate;
  "containerd.events.TaskStart": T.TaskStart;
  "containerd.events.TaskDelete": T.TaskDelete;
  "containerd.events.TaskIO": T.TaskIO;
  "containerd.events.TaskExit": T.TaskExit;
  "containerd.events.TaskOOM": T.TaskOOM;
  "containerd.events.TaskExecAdded": T.TaskExecAdded;
  "containerd.events.TaskExecStarted": T.TaskExecStarted;
  "containerd.events.TaskPaused": T.TaskPaused;
  "containerd.events.TaskResumed": T.TaskResumed;
  "containerd.events.TaskCheckpointed": T.TaskCheckpointed;
  "containerd.events.ContainerCreate": C.ContainerCreate;
  "containerd.events.ContainerUpdate": C.ContainerUpdate;
  "containerd.events.ContainerDelete": C.ContainerDelete;
  "containerd.events.ContentDelete": Ct.ContentDelete;
  "containerd.services.images.v1.ImageCreate": I.ImageCreate;
  "containerd.services.images.v1.ImageUpdate": I.ImageUpdate;
  "containerd.services.images.v1.ImageDelete": I.ImageDelete;
  "containerd.events.NamespaceCreate": N.NamespaceCreate;
  "containerd.events.NamespaceUpdate": N.NamespaceUpdate;
  "containerd.events.NamespaceDelete": N.NamespaceDelete;
  "containerd.events.SnapshotPrepare": S.SnapshotPrepare;
  "containerd.events.SnapshotCommit": S.SnapshotCommit;
  "containerd.events.SnapshotRemove": S.SnapshotRemove;
}

/** Decoders by type URL. */
export const EVENT_DECODERS: { readonly [U in keyof EventPayloads]: { decode(input: Uint8Array): EventPayloads[U] } } =
  {
    "containerd.events.TaskCreate": T.TaskCreate,
    "containerd.events.TaskStart": T.TaskStart,
    "containerd.events.TaskDelete": T.TaskDelete,
    "containerd.events.TaskIO": T.TaskIO,
    "containerd.events.TaskExit": T.TaskExit,
    "containerd.events.TaskOOM": T.TaskOOM,
    "containerd.events.TaskExecAdded": T.TaskExecAdded,
    "containerd.events.TaskExecStarted": T.TaskExecStarted,
    "containerd.events.TaskPaused": T.TaskPaused,
    "containerd.events.TaskResumed": T.TaskResumed,
    "containerd.events.TaskCheckpointed": T.TaskCheckpointed,
    "containerd.events.ContainerCreate": C.ContainerCreate,
    "containerd.events.ContainerUpdate": C.ContainerUpdate,
    "containerd.events.ContainerDelete": C.ContainerDelete,
    "containerd.events.ContentDelete": Ct.ContentDelete,
    "containerd.services.images.v1.ImageCreate": I.ImageCreate,
    "containerd.services.images.v1.ImageUpdate": I.ImageUpdate,
    "containerd.services.images.v1.ImageDelete": I.ImageDelete,
    "containerd.events.NamespaceCreate": N.NamespaceCreate,
    "containerd.events.NamespaceUpdate": N.NamespaceUpdate,
    "containerd.events.NamespaceDelete": N.NamespaceDelete,
    "containerd.events.SnapshotPrepare": S.SnapshotPrepare,
    "containerd.events.SnapshotCommit": S.SnapshotCommit,
    "containerd.events.SnapshotRemove": S.SnapshotRemove,
  };
