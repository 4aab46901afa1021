// One-line Observable wrappers over Tasks's RPCs; all plumbing lives in Rpc.
import {
  CheckpointTaskRequest,
  CloseIORequest,
  CreateTaskRequest,
  DeleteProcessRequest,
  DeleteTaskRequest,
  ExecProcessRequest,
  GetRequest,
  KillRequest,
  ListPidsRequest,
  ListTasksRequest,
  MetricsRequest,
  PauseTaskRequest,
  ResizePtyRequest,
  ResumeTaskRequest,
  StartRequest,
  TasksService,
  UpdateTaskRequest,
  WaitRequest,
} from "../../generated/github.com/containerd/containerd/api/services/tasks/v1/tasks.js";
import type { Rpc } from "./rpc.js";

/**
 * `containerd.services.tasks.v1.Tasks` as Observables. Every method is cold: it issues the RPC when subscribed (once per
 * subscription), emits the response (streaming methods: each message, then complete), cancels the
 * call on unsubscribe, and reports failures as `ContainerdError` subclasses (`NotFoundError`, …).
 * Requests take any subset of the message's fields; options are the trailing `CallOptions`.
 *
 * @example
 * ```ts
 * client.services.tasks.get$({ containerId: "web" }, { namespace: "prod" }).subscribe((r) => console.log(r.process?.status));
 * ```
 */
export function tasksApi(rpc: Rpc) {
  return {
    /** `Create` — Create a task. (emits the response). */
    create$: rpc.unary(TasksService.create, CreateTaskRequest),
    /** `Start` — Start a process. (emits the response). */
    start$: rpc.unary(TasksService.start, StartRequest),
    /** `Delete` — Delete a task and on disk state. (emits the response). */
    delete$: rpc.unary(TasksService.delete, DeleteTaskRequest),
    /** `DeleteProcess` (emits the response). */
    deleteProcess$: rpc.unary(TasksService.deleteProcess, DeleteProcessRequest),
    /** `Get` (emits the response). */
    get$: rpc.unary(TasksService.get, GetRequest),
    /** `List` (emits the response). */
    list$: rpc.unary(TasksService.list, ListTasksRequest),
    /** `Kill` — Kill a task or process. (emits the response). */
    kill$: rpc.unary(TasksService.kill, KillRequest),
    /** `Exec` (emits the response). */
    exec$: rpc.unary(TasksService.exec, ExecProcessRequest),
    /** `ResizePty` (emits the response). */
    resizePty$: rpc.unary(TasksService.resizePty, ResizePtyRequest),
    /** `CloseIO` (emits the response). */
    closeIo$: rpc.unary(TasksService.closeIo, CloseIORequest),
    /** `Pause` (emits the response). */
    pause$: rpc.unary(TasksService.pause, PauseTaskRequest),
    /** `Resume` (emits the response). */
    resume$: rpc.unary(TasksService.resume, ResumeTaskRequest),
    /** `ListPids` (emits the response). */
    listPids$: rpc.unary(TasksService.listPids, ListPidsRequest),
    /** `Checkpoint` (emits the response). */
    checkpoint$: rpc.unary(TasksService.checkpoint, CheckpointTaskRequest),
    /** `Update` (emits the response). */
    update$: rpc.unary(TasksService.update, UpdateTaskRequest),
    /** `Metrics` (emits the response). */
    metrics$: rpc.unary(TasksService.metrics, MetricsRequest),
    /** `Wait` (emits the response). */
    wait$: rpc.unary(TasksService.wait, WaitRequest),
  };
}

/** The methods of `tasksApi`. */
export type TasksApi = ReturnType<typeof tasksApi>;
