import { createHash } from "node:crypto";
import { ReplaySubject, Subject, type SchedulerLike, type Subscription } from "rxjs";
import {
  AlreadyExistsError,
  FailedPreconditionError,
  NotFoundError,
  UnknownError,
} from "../../errors/containerd-error.js";
import type { Container } from "../../../generated/github.com/containerd/containerd/api/services/containers/v1/containers.js";
import * as T from "../../../generated/github.com/containerd/containerd/api/events/task.js";
import { FakeBus, type FilterMatcher } from "./bus.js";
import { FakeCalls } from "./calls.js";
import { fakeLayer } from "./layer.js";
import {
  scriptFor,
  signalScript,
  type FakeImage,
  type FakeImages,
  type ProcessScript,
  type TaskScript,
  type TaskScripts,
} from "./scripts.js";

/** Process status, as `containerd.v1.types.Status`. @internal */
export const St = { Created: 1, Running: 2, Stopped: 3, Paused: 4 } as const;
/** A value of {@link St}. @internal */
export type St = (typeof St)[keyof typeof St];
const STATUS_NAMES: Readonly<Record<number, string>> = { 1: "created", 2: "running", 3: "stopped", 4: "paused" };

/** One process of the fake daemon (a task's init, or an exec). @internal */
export interface FakeProcess {
  readonly namespace: string;
  readonly containerId: string;
  /** "" for the init process. */
  readonly execId: string;
  readonly script: ProcessScript;
  pid: number;
  status: St;
  exitStatus: number;
  exitedAt: Date | undefined;
  /** Start failed (an exec whose binary is missing): Tasks.Wait answers at once. */
  failed: boolean;
  readonly io: { readonly stdin: string; readonly stdout: string; readonly stderr: string; readonly terminal: boolean };
  readonly timers: Subscription[];
  readonly pending: number[];
  readonly exited: Subject<void>;
}

/** A task: its init process and execs. @internal */
export interface FakeTask {
  readonly init: FakeProcess;
  readonly execs: Map<string, FakeProcess>;
}

/** An image's blobs and records. @internal */
export interface FakeImageRecord {
  readonly name: string;
  readonly target: { readonly mediaType: string; readonly digest: string; readonly size: number };
  readonly chainId: string;
  readonly labels: Readonly<Record<string, string>>;
}

/** Options of {@link FakeDaemon}. @internal */
export interface FakeDaemonOptions {
  readonly scheduler: SchedulerLike;
  readonly matcher: FilterMatcher;
  readonly tasks?: TaskScripts;
  readonly images?: FakeImages;
  /** First pid handed out. Default 1000. */
  readonly firstPid?: number;
}

const sha256 = (b: Buffer | string) => `sha256:${createHash("sha256").update(b).digest("hex")}`;
const MANIFEST = "application/vnd.oci.image.manifest.v1+json";
const key = (namespace: string, id: string) => `${namespace}\0${id}`;

/**
 * The state of a fake containerd: containers, tasks and their scripted processes, images (their
 * blobs and unpacked snapshots), snapshots, leases, namespaces, and the event exchange. Time is
 * the scheduler's (virtual in marble tests): scripted exits and output are scheduler actions.
 * Behaves like the daemon where a client can tell (error codes, events with pids, statuses).
 * @internal
 */
export class FakeDaemon {
  readonly scheduler: SchedulerLike;
  readonly bus: FakeBus;
  readonly calls: FakeCalls;
  readonly containers = new Map<string, Container>();
  readonly tasks = new Map<string, FakeTask>();
  readonly snapshots = new Map<string, { readonly parent: string; readonly kind: number }>();
  readonly leases = new Map<
    string,
    { readonly id: string; readonly labels: Record<string, string>; readonly createdAt: Date }
  >();
  readonly namespaces = new Map<string, Record<string, string>>();
  readonly blobs = new Map<string, Buffer>();
  readonly images = new Map<string, FakeImageRecord>();
  private readonly outputs = new Map<string, ReplaySubject<Buffer>>();
  private readonly runs = new Map<string, number>();
  private nextPid: number;

  constructor(private readonly options: FakeDaemonOptions) {
    this.scheduler = options.scheduler;
    this.calls = new FakeCalls(options.scheduler);
    this.bus = new FakeBus(options.scheduler, options.matcher);
    this.nextPid = options.firstPid ?? 1000;
    const images = options.images ?? ["docker.io/library/busybox:latest"];
    const entries = Array.isArray(images)
      ? images.map((name: string) => [name, {}] as const)
      : Object.entries(images as Readonly<Record<string, FakeImage>>);
    for (const [name, image] of entries) this.addImage(name, image);
  }

  now(): Date {
    return new Date(this.scheduler.now());
  }

  /** The output written to a stdout/stderr path (replayed; completes when the process exits). */
  output$(path: string): ReplaySubject<Buffer> {
    let s = this.outputs.get(path);
    if (!s) this.outputs.set(path, (s = new ReplaySubject<Buffer>()));
    return s;
  }

  private addImage(name: string, image: FakeImage): void {
    // One uncompressed layer: its digest is its diff ID and, alone, the chain ID. A marker file
    // keeps the chain IDs of images with the same files apart.
    const layer = fakeLayer({ ...image.files, ".rxcontainerd-fake-image": name });
    const diffId = sha256(layer);
    const config = Buffer.from(
      JSON.stringify({
        architecture: process.arch === "x64" ? "amd64" : process.arch,
        os: "linux",
        config: {
          Env: image.env ?? ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
          Cmd: image.cmd ?? ["sh"],
          ...(image.entrypoint ? { Entrypoint: image.entrypoint } : {}),
          ...(image.workingDir ? { WorkingDir: image.workingDir } : {}),
          ...(image.labels ? { Labels: image.labels } : {}),
          ...(image.user ? { User: image.user } : {}),
          ...(image.stopSignal ? { StopSignal: image.stopSignal } : {}),
        },
        rootfs: { type: "layers", diff_ids: [diffId] },
      }),
    );
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MANIFEST,
        config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: sha256(config), size: config.length },
        layers: [{ mediaType: "application/vnd.oci.image.layer.v1.tar", digest: diffId, size: layer.length }],
      }),
    );
    this.blobs.set(diffId, layer);
    this.blobs.set(sha256(config), config);
    this.blobs.set(sha256(manifest), manifest);
    this.images.set(name, {
      name,
      target: { mediaType: MANIFEST, digest: sha256(manifest), size: manifest.length },
      chainId: diffId,
      labels: {},
    });
  }

  /** Whether a snapshot key exists (prepared, or an image's unpacked chain). */
  hasSnapshot(namespace: string, name: string): boolean {
    return this.snapshots.has(key(namespace, name)) || [...this.images.values()].some((i) => i.chainId === name);
  }

  containerOf(namespace: string, id: string): Container {
    const c = this.containers.get(key(namespace, id));
    if (!c) throw new NotFoundError(`container "${id}" in namespace "${namespace}": not found`);
    return c;
  }

  taskOf(namespace: string, id: string): FakeTask {
    const t = this.tasks.get(key(namespace, id));
    if (!t) throw new NotFoundError(`task ${id} not found`);
    return t;
  }

  processOf(namespace: string, id: string, execId: string): FakeProcess {
    const t = this.taskOf(namespace, id);
    if (!execId) return t.init;
    const p = t.execs.get(execId);
    if (!p) throw new NotFoundError(`process ${execId} does not exist`);
    return p;
  }

  /** Tasks.Create. */
  createTask(namespace: string, id: string, io: FakeProcess["io"]): FakeProcess {
    this.containerOf(namespace, id);
    if (this.tasks.has(key(namespace, id))) throw new AlreadyExistsError(`task ${id}: already exists`);
    const run = this.runs.get(key(namespace, id)) ?? 0;
    this.runs.set(key(namespace, id), run + 1);
    const script: TaskScript = scriptFor(this.options.tasks, id, run);
    if (script.startError !== undefined) {
      throw new UnknownError(
        `failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: ${script.startError}`,
      );
    }
    const init = this.process(namespace, id, "", script, io);
    init.pid = this.nextPid++;
    this.tasks.set(key(namespace, id), { init, execs: new Map() });
    this.publish(namespace, "/tasks/create", "TaskCreate", T.TaskCreate, {
      containerId: id,
      bundle: `/run/containerd/io.containerd.runtime.v2.task/${namespace}/${id}`,
      io,
      pid: init.pid,
    });
    return init;
  }

  /** Tasks.Exec. */
  exec(namespace: string, id: string, execId: string, io: FakeProcess["io"]): void {
    const task = this.taskOf(namespace, id);
    if (task.init.status !== St.Running && task.init.status !== St.Paused) {
      throw new FailedPreconditionError(`cannot exec in a stopped state`);
    }
    if (task.execs.has(execId)) throw new AlreadyExistsError(`id ${execId}: already exists`);
    const script =
      scriptFor(this.options.tasks, id, Math.max(0, (this.runs.get(key(namespace, id)) ?? 1) - 1)).execs?.[execId] ??
      {};
    task.execs.set(execId, this.process(namespace, id, execId, script, io));
    this.publish(namespace, "/tasks/exec-added", "TaskExecAdded", T.TaskExecAdded, { containerId: id, execId });
  }

  private process(
    namespace: string,
    containerId: string,
    execId: string,
    script: ProcessScript,
    io: FakeProcess["io"],
  ): FakeProcess {
    return {
      namespace,
      containerId,
      execId,
      script,
      pid: 0,
      status: St.Created,
      exitStatus: 0,
      exitedAt: undefined,
      failed: false,
      io,
      timers: [],
      pending: [],
      exited: new Subject<void>(),
    };
  }

  /** Tasks.Start. */
  start(namespace: string, id: string, execId: string): number {
    const p = this.processOf(namespace, id, execId);
    if (p.status !== St.Created || p.failed) {
      throw new FailedPreconditionError(`process ${execId || id} is not in the created state`);
    }
    if (execId) {
      if (p.script.startError !== undefined) {
        p.failed = true;
        p.exitStatus = 127;
        p.exitedAt = this.now();
        p.exited.next();
        throw new UnknownError(
          `OCI runtime exec failed: exec failed: unable to start container process: ${p.script.startError}`,
        );
      }
      p.pid = this.nextPid++;
    }
    p.status = St.Running;
    if (execId) {
      this.publish(namespace, "/tasks/exec-started", "TaskExecStarted", T.TaskExecStarted, {
        containerId: id,
        execId,
        pid: p.pid,
      });
    } else {
      this.publish(namespace, "/tasks/start", "TaskStart", T.TaskStart, { containerId: id, pid: p.pid });
    }
    const { script } = p;
    for (const chunk of script.output ?? []) {
      p.timers.push(
        this.scheduler.schedule(() => {
          if (chunk.stdout !== undefined && p.io.stdout) this.output$(p.io.stdout).next(Buffer.from(chunk.stdout));
          if (chunk.stderr !== undefined && p.io.stderr) this.output$(p.io.stderr).next(Buffer.from(chunk.stderr));
        }, chunk.at),
      );
    }
    if (script.oomAt !== undefined) {
      p.timers.push(
        this.scheduler.schedule(() => {
          this.publish(namespace, "/tasks/oom", "TaskOOM", T.TaskOOM, { containerId: id });
          this.exit(p, 137);
        }, script.oomAt),
      );
    }
    const exitAt = script.exitAt ?? 0;
    if (exitAt !== "never") p.timers.push(this.scheduler.schedule(() => this.exit(p, script.exitCode ?? 0), exitAt));
    return p.pid;
  }

  /** Tasks.Kill. */
  kill(namespace: string, id: string, execId: string, signal: number, all: boolean): void {
    const task = this.taskOf(namespace, id);
    const p = this.processOf(namespace, id, execId);
    if (p.status === St.Stopped || p.failed) throw new NotFoundError(`cannot kill: process already finished`);
    const targets = all && !execId ? [p, ...task.execs.values()] : [p];
    for (const t of targets) if (t.status !== St.Stopped && !t.failed) this.signal(t, signal);
  }

  private signal(p: FakeProcess, n: number): void {
    const task = this.tasks.get(key(p.namespace, p.containerId));
    if (n !== 9 && task?.init.status === St.Paused) {
      p.pending.push(n);
      return;
    }
    const script = n === 9 ? undefined : signalScript(p.script, n);
    if (script === "ignore") return;
    const code = script?.exitCode ?? 128 + n;
    p.timers.push(this.scheduler.schedule(() => this.exit(p, code), script?.after ?? 0));
  }

  /** The process exits (scripted, killed, OOM). An init's exit ends its execs (SIGKILL). */
  exit(p: FakeProcess, code: number): void {
    if (p.status === St.Stopped) return;
    if (!p.execId) {
      const task = this.tasks.get(key(p.namespace, p.containerId));
      for (const e of task?.execs.values() ?? [])
        if (e.status === St.Running || e.status === St.Paused) this.exit(e, 137);
    }
    for (const t of p.timers.splice(0)) t.unsubscribe();
    p.status = St.Stopped;
    p.exitStatus = code;
    p.exitedAt = this.now();
    if (p.io.stdout) this.output$(p.io.stdout).complete();
    if (p.io.stderr) this.output$(p.io.stderr).complete();
    this.publish(p.namespace, "/tasks/exit", "TaskExit", T.TaskExit, {
      containerId: p.containerId,
      id: p.execId || p.containerId,
      pid: p.pid,
      exitStatus: code,
      exitedAt: p.exitedAt,
    });
    p.exited.next();
  }

  /** Tasks.Pause / Tasks.Resume. */
  pause(namespace: string, id: string, paused: boolean): void {
    const task = this.taskOf(namespace, id);
    const want = paused ? St.Running : St.Paused;
    if (task.init.status !== want) {
      throw new FailedPreconditionError(
        `task ${id} is ${STATUS_NAMES[task.init.status] ?? "unknown"}, not ${STATUS_NAMES[want] ?? ""}`,
      );
    }
    task.init.status = paused ? St.Paused : St.Running;
    for (const e of task.execs.values()) {
      if (e.status === want) e.status = task.init.status;
    }
    if (paused) {
      this.publish(namespace, "/tasks/paused", "TaskPaused", T.TaskPaused, { containerId: id });
    } else {
      this.publish(namespace, "/tasks/resumed", "TaskResumed", T.TaskResumed, { containerId: id });
      for (const p of [task.init, ...task.execs.values()]) for (const n of p.pending.splice(0)) this.signal(p, n);
    }
  }

  /** Tasks.Delete (execId "") or Tasks.DeleteProcess. */
  delete(namespace: string, id: string, execId: string): FakeProcess {
    const task = this.taskOf(namespace, id);
    const p = this.processOf(namespace, id, execId);
    if (p.status === St.Running || p.status === St.Paused) {
      // What containerd 1.6 to 2.1 answer (the shim's error, code Unknown); the client's own delete$
      // checks the status first and refuses with FailedPreconditionError.
      throw new UnknownError(`failed to delete ${execId ? "process" : "task"}: cannot delete a running process`);
    }
    for (const t of p.timers.splice(0)) t.unsubscribe();
    if (execId) task.execs.delete(execId);
    else {
      this.tasks.delete(key(namespace, id));
      for (const e of task.execs.values()) for (const t of e.timers.splice(0)) t.unsubscribe();
    }
    this.publish(namespace, "/tasks/delete", "TaskDelete", T.TaskDelete, {
      containerId: id,
      pid: p.pid,
      exitStatus: p.exitStatus,
      exitedAt: p.exitedAt,
      id: execId || id,
    });
    return p;
  }

  /** Publishes a containerd event of type `containerd.events.<name>`. */
  publish<M>(
    namespace: string,
    topic: string,
    name: string,
    codec: { fromPartial(o: never): M; encode(m: M): { finish(): Uint8Array } },
    fields: Readonly<Record<string, unknown>>,
  ): void {
    const message = codec.fromPartial(fields as never);
    this.bus.publish(
      namespace,
      topic,
      { typeUrl: `containerd.events.${name}`, value: codec.encode(message).finish() },
      fields,
    );
  }
}
