import { map, Observable, of, take, throwError } from "rxjs";
import { AlreadyExistsError, NotFoundError, NotImplementedError } from "../../errors/containerd-error.js";
import type { CallDefaults, CallOptions } from "../call-options.js";
import type { Services } from "../services.js";
import type { ContainersApi } from "../containers.js";
import type { ContentApi } from "../content.js";
import type { EventsApi } from "../events.js";
import type { HealthApi } from "../health.js";
import type { ImagesApi } from "../images.js";
import type { IntrospectionApi } from "../introspection.js";
import type { LeasesApi } from "../leases.js";
import type { NamespacesApi } from "../namespaces.js";
import type { SnapshotsApi } from "../snapshots.js";
import type { TasksApi } from "../tasks.js";
import type { VersionApi } from "../version.js";
import * as Ctr from "../../../generated/github.com/containerd/containerd/api/services/containers/v1/containers.js";
import * as Cnt from "../../../generated/github.com/containerd/containerd/api/services/content/v1/content.js";
import * as CE from "../../../generated/github.com/containerd/containerd/api/events/container.js";
import { HealthCheckResponse } from "../../../generated/grpc/health/v1/health.js";
import * as Img from "../../../generated/github.com/containerd/containerd/api/services/images/v1/images.js";
import * as Intro from "../../../generated/github.com/containerd/containerd/api/services/introspection/v1/introspection.js";
import * as L from "../../../generated/github.com/containerd/containerd/api/services/leases/v1/leases.js";
import * as Ns from "../../../generated/github.com/containerd/containerd/api/services/namespaces/v1/namespace.js";
import * as Snap from "../../../generated/github.com/containerd/containerd/api/services/snapshots/v1/snapshots.js";
import * as Tk from "../../../generated/github.com/containerd/containerd/api/services/tasks/v1/tasks.js";
import { Process } from "../../../generated/github.com/containerd/containerd/api/types/task/task.js";
import { VersionResponse } from "../../../generated/github.com/containerd/containerd/api/services/version/v1/version.js";
import { St, type FakeDaemon, type FakeProcess } from "./daemon.js";

/** The fake daemon's version string. */
export const FAKE_VERSION = "v0.0.0-rxcontainerd-fake";

/** An API whose listed methods are implemented; every other method errors with NotImplementedError. */
function api<T extends object>(service: string, impl: Partial<T>): T {
  return new Proxy(impl, {
    get(target, name) {
      const own = Reflect.get(target, name) as unknown;
      if (own !== undefined || typeof name !== "string") return own;
      return () =>
        throwError(() => new NotImplementedError(`${service}.${name}: not implemented by the fake containerd`));
    },
  }) as T;
}

const k = (namespace: string, id: string) => `${namespace}\0${id}`;

function toProcess(p: FakeProcess): Process {
  return Process.fromPartial({
    containerId: p.containerId,
    id: p.execId || p.containerId,
    pid: p.pid,
    status: p.failed ? St.Created : p.status,
    stdin: p.io.stdin,
    stdout: p.io.stdout,
    stderr: p.io.stderr,
    terminal: p.io.terminal,
    exitStatus: p.exitStatus,
    exitedAt: p.exitedAt ?? new Date(0),
  });
}

/**
 * {@link Services} over a {@link FakeDaemon}, with these call defaults (the namespace): what a
 * Containerd built over the fake calls. Methods the fake does not model error with
 * NotImplementedError. @internal
 */
export function fakeServices(d: FakeDaemon, defaults: CallDefaults): Services {
  /** A unary call answered from the daemon's state at subscription. */
  const unary =
    <Req, Res>(method: string, body: (req: Req, namespace: string) => Res) =>
    (req?: Req, options?: CallOptions): Observable<Res> =>
      d.calls.call(method, defaults, options, (ns) => of(body((req ?? {}) as Req, ns)));
  const call = <Res>(method: string, options: CallOptions | undefined, body: (namespace: string) => Observable<Res>) =>
    d.calls.call(method, defaults, options, body);

  const containers = api<ContainersApi>("Containers", {
    get$: unary("Containers.Get", (r: { id?: string }, ns) =>
      Ctr.GetContainerResponse.fromPartial({ container: d.containerOf(ns, r.id ?? "") }),
    ),
    list$: unary("Containers.List", (_r: object, ns) =>
      Ctr.ListContainersResponse.fromPartial({
        containers: [...d.containers.entries()].filter(([key]) => key.startsWith(`${ns}\0`)).map(([, c]) => c),
      }),
    ),
    create$: unary("Containers.Create", (r: { container?: Ctr.Container | object }, ns) => {
      const c = Ctr.Container.fromPartial({ ...(r.container ?? {}), createdAt: d.now(), updatedAt: d.now() });
      if (!c.id) throw new NotFoundError("container id is required");
      if (d.containers.has(k(ns, c.id))) throw new AlreadyExistsError(`container "${c.id}": already exists`);
      d.containers.set(k(ns, c.id), c);
      d.publish(ns, "/containers/create", "ContainerCreate", CE.ContainerCreate, {
        id: c.id,
        image: c.image,
        runtime: { name: c.runtime?.name ?? "", options: c.runtime?.options },
      });
      return Ctr.CreateContainerResponse.fromPartial({ container: c });
    }),
    update$: unary(
      "Containers.Update",
      (r: { container?: Ctr.Container | object; updateMask?: readonly string[] }, ns) => {
        const next = Ctr.Container.fromPartial(r.container ?? {});
        const old = d.containerOf(ns, next.id);
        const mask = r.updateMask ?? [];
        const updated =
          mask.length === 0
            ? { ...next, createdAt: old.createdAt, updatedAt: d.now() }
            : {
                ...old,
                labels: Object.fromEntries(
                  [...Object.entries(old.labels), ...Object.entries(next.labels)].filter(
                    ([key]) => !mask.includes(`labels.${key}`) || next.labels[key] !== undefined,
                  ),
                ),
                updatedAt: d.now(),
              };
        d.containers.set(k(ns, next.id), updated);
        d.publish(ns, "/containers/update", "ContainerUpdate", CE.ContainerUpdate, {
          id: updated.id,
          image: updated.image,
          labels: updated.labels,
          snapshotKey: updated.snapshotKey,
        });
        return Ctr.UpdateContainerResponse.fromPartial({ container: updated });
      },
    ),
    delete$: unary("Containers.Delete", (r: { id?: string }, ns) => {
      d.containerOf(ns, r.id ?? "");
      d.containers.delete(k(ns, r.id ?? ""));
      d.publish(ns, "/containers/delete", "ContainerDelete", CE.ContainerDelete, { id: r.id ?? "" });
      return {};
    }),
  });

  const io = (r: { stdin?: string; stdout?: string; stderr?: string; terminal?: boolean }) => ({
    stdin: r.stdin ?? "",
    stdout: r.stdout ?? "",
    stderr: r.stderr ?? "",
    terminal: r.terminal ?? false,
  });
  type Target = { containerId?: string; execId?: string };
  const tasks = api<TasksApi>("Tasks", {
    create$: unary("Tasks.Create", (r: Target & Parameters<typeof io>[0], ns) => {
      const p = d.createTask(ns, r.containerId ?? "", io(r));
      return Tk.CreateTaskResponse.fromPartial({ containerId: p.containerId, pid: p.pid });
    }),
    start$: unary("Tasks.Start", (r: Target, ns) =>
      Tk.StartResponse.fromPartial({ pid: d.start(ns, r.containerId ?? "", r.execId ?? "") }),
    ),
    delete$: unary("Tasks.Delete", (r: Target, ns) => deleted(d.delete(ns, r.containerId ?? "", ""))),
    deleteProcess$: unary("Tasks.DeleteProcess", (r: Target, ns) =>
      deleted(d.delete(ns, r.containerId ?? "", r.execId ?? "")),
    ),
    get$: unary("Tasks.Get", (r: Target, ns) =>
      Tk.GetResponse.fromPartial({ process: toProcess(d.processOf(ns, r.containerId ?? "", r.execId ?? "")) }),
    ),
    list$: unary("Tasks.List", (_r: object, ns) =>
      Tk.ListTasksResponse.fromPartial({
        tasks: [...d.tasks.entries()].filter(([key]) => key.startsWith(`${ns}\0`)).map(([, t]) => toProcess(t.init)),
      }),
    ),
    kill$: unary("Tasks.Kill", (r: Target & { signal?: number; all?: boolean }, ns) => {
      d.kill(ns, r.containerId ?? "", r.execId ?? "", r.signal ?? 15, r.all ?? false);
      return {};
    }),
    exec$: unary("Tasks.Exec", (r: Target & Parameters<typeof io>[0], ns) => {
      d.exec(ns, r.containerId ?? "", r.execId ?? "", io(r));
      return {};
    }),
    pause$: unary("Tasks.Pause", (r: Target, ns) => (d.pause(ns, r.containerId ?? "", true), {})),
    resume$: unary("Tasks.Resume", (r: Target, ns) => (d.pause(ns, r.containerId ?? "", false), {})),
    listPids$: unary("Tasks.ListPids", (r: Target, ns) => {
      const t = d.taskOf(ns, r.containerId ?? "");
      const live = [t.init, ...t.execs.values()].filter((p) => p.status === St.Running || p.status === St.Paused);
      return Tk.ListPidsResponse.fromPartial({ processes: live.map((p) => ({ pid: p.pid })) });
    }),
    closeIo$: unary("Tasks.CloseIO", (r: Target, ns) => (d.processOf(ns, r.containerId ?? "", r.execId ?? ""), {})),
    resizePty$: unary("Tasks.ResizePty", (r: Target, ns) => (d.processOf(ns, r.containerId ?? "", r.execId ?? ""), {})),
    wait$: (req, options) =>
      call("Tasks.Wait", options, (ns) => {
        const p = d.processOf(ns, req?.containerId ?? "", req?.execId ?? "");
        const answer = () => Tk.WaitResponse.fromPartial({ exitStatus: p.exitStatus, exitedAt: p.exitedAt });
        if (p.status === St.Stopped || p.failed) return of(answer());
        return p.exited.pipe(take(1), map(answer));
      }),
  });

  const events = api<EventsApi>("Events", {
    publish$: (req, options) =>
      call("Events.Publish", options, (ns) => {
        const event = req?.event;
        d.bus.publish(ns, req?.topic ?? "", {
          typeUrl: event?.typeUrl ?? "",
          value: event?.value ?? new Uint8Array(),
        });
        return of({});
      }),
    subscribe$: (req, options) => call("Events.Subscribe", options, () => d.bus.subscribe$(req?.filters ?? [])),
  });

  const images = api<ImagesApi>("Images", {
    get$: unary("Images.Get", (r: { name?: string }) => {
      const i = d.images.get(r.name ?? "");
      if (!i) throw new NotFoundError(`image "${r.name ?? ""}": not found`);
      return Img.GetImageResponse.fromPartial({ image: imageRecord(i) });
    }),
    list$: unary("Images.List", () =>
      Img.ListImagesResponse.fromPartial({ images: [...d.images.values()].map(imageRecord) }),
    ),
  });

  const content = api<ContentApi>("Content", {
    info$: unary("Content.Info", (r: { digest?: string }) => {
      const blob = d.blobs.get(r.digest ?? "");
      if (!blob) throw new NotFoundError(`content digest ${r.digest ?? ""}: not found`);
      return Cnt.InfoResponse.fromPartial({ info: { digest: r.digest ?? "", size: blob.length, labels: {} } });
    }),
    read$: unary("Content.Read", (r: { digest?: string }) => {
      const blob = d.blobs.get(r.digest ?? "");
      if (!blob) throw new NotFoundError(`content digest ${r.digest ?? ""}: not found`);
      return Cnt.ReadContentResponse.fromPartial({ offset: 0, data: blob });
    }),
  });

  type SnapReq = { snapshotter?: string; key?: string; parent?: string };
  const snapshots = api<SnapshotsApi>("Snapshots", {
    stat$: unary("Snapshots.Stat", (r: SnapReq, ns) => {
      const name = r.key ?? "";
      if (!d.hasSnapshot(ns, name)) throw new NotFoundError(`snapshot ${name} does not exist: not found`);
      const s = d.snapshots.get(k(ns, name));
      return Snap.StatSnapshotResponse.fromPartial({
        info: { name, parent: s?.parent ?? "", kind: s ? Snap.Kind.ACTIVE : Snap.Kind.COMMITTED },
      });
    }),
    prepare$: unary("Snapshots.Prepare", (r: SnapReq, ns) => {
      const name = r.key ?? "";
      if (d.hasSnapshot(ns, name)) throw new AlreadyExistsError(`snapshot ${name}: already exists`);
      if (r.parent && !d.hasSnapshot(ns, r.parent))
        throw new NotFoundError(`parent snapshot ${r.parent} does not exist: not found`);
      d.snapshots.set(k(ns, name), { parent: r.parent ?? "", kind: Snap.Kind.ACTIVE });
      return Snap.PrepareSnapshotResponse.fromPartial({ mounts: mounts(name) });
    }),
    mounts$: unary("Snapshots.Mounts", (r: SnapReq, ns) => {
      if (!d.snapshots.has(k(ns, r.key ?? "")))
        throw new NotFoundError(`snapshot ${r.key ?? ""} does not exist: not found`);
      return Snap.MountsResponse.fromPartial({ mounts: mounts(r.key ?? "") });
    }),
    remove$: unary("Snapshots.Remove", (r: SnapReq, ns) => {
      if (!d.snapshots.delete(k(ns, r.key ?? "")))
        throw new NotFoundError(`snapshot ${r.key ?? ""} does not exist: not found`);
      return {};
    }),
  });

  const leases = api<LeasesApi>("Leases", {
    create$: unary("Leases.Create", (r: { id?: string; labels?: Record<string, string | undefined> }, ns) => {
      const id = r.id ?? "";
      if (d.leases.has(k(ns, id))) throw new AlreadyExistsError(`lease ${id}: already exists`);
      const lease = { id, labels: strings(r.labels), createdAt: d.now() };
      d.leases.set(k(ns, id), lease);
      return L.CreateResponse.fromPartial({ lease });
    }),
    delete$: unary("Leases.Delete", (r: { id?: string }, ns) => {
      if (!d.leases.delete(k(ns, r.id ?? ""))) throw new NotFoundError(`lease ${r.id ?? ""}: not found`);
      return {};
    }),
    list$: unary("Leases.List", (_r: object, ns) =>
      L.ListResponse.fromPartial({
        leases: [...d.leases.entries()].filter(([key]) => key.startsWith(`${ns}\0`)).map(([, l]) => l),
      }),
    ),
  });

  const namespaces = api<NamespacesApi>("Namespaces", {
    get$: unary("Namespaces.Get", (r: { name?: string }) => {
      const labels = d.namespaces.get(r.name ?? "");
      if (!labels) throw new NotFoundError(`namespace ${r.name ?? ""}: not found`);
      return Ns.GetNamespaceResponse.fromPartial({ namespace: { name: r.name ?? "", labels } });
    }),
    list$: unary("Namespaces.List", () =>
      Ns.ListNamespacesResponse.fromPartial({
        namespaces: [...d.namespaces.entries()].map(([name, labels]) => ({ name, labels })),
      }),
    ),
    create$: unary(
      "Namespaces.Create",
      (r: { namespace?: { name?: string; labels?: Record<string, string | undefined> } }) => {
        const name = r.namespace?.name ?? "";
        if (d.namespaces.has(name)) throw new AlreadyExistsError(`namespace ${name}: already exists`);
        const labels = strings(r.namespace?.labels);
        d.namespaces.set(name, labels);
        return Ns.CreateNamespaceResponse.fromPartial({ namespace: { name, labels } });
      },
    ),
    delete$: unary("Namespaces.Delete", (r: { name?: string }) => {
      if (!d.namespaces.delete(r.name ?? "")) throw new NotFoundError(`namespace ${r.name ?? ""}: not found`);
      return {};
    }),
  });

  return {
    containers,
    content,
    diff: api("Diff", {}),
    events,
    health: api<HealthApi>("Health", {
      check$: unary("Health.Check", () => HealthCheckResponse.fromPartial({ status: 1 })),
    }),
    images,
    introspection: api<IntrospectionApi>("Introspection", {
      server$: unary("Introspection.Server", () => Intro.ServerResponse.fromPartial({ uuid: "rxcontainerd-fake" })),
      plugins$: unary("Introspection.Plugins", () => Intro.PluginsResponse.fromPartial({ plugins: [] })),
    }),
    leases,
    namespaces,
    sandboxController: api("SandboxController", {}),
    sandboxStore: api("SandboxStore", {}),
    snapshots,
    streaming: api("Streaming", {}),
    tasks,
    transfer: api("Transfer", {}),
    version: api<VersionApi>("Version", {
      version$: unary("Version.Version", () =>
        VersionResponse.fromPartial({ version: FAKE_VERSION, revision: "fake" }),
      ),
      daemonVersion$: () => of(FAKE_VERSION),
    }),
  };

  function deleted(p: FakeProcess) {
    return Tk.DeleteResponse.fromPartial({
      id: p.execId || p.containerId,
      pid: p.pid,
      exitStatus: p.exitStatus,
      exitedAt: p.exitedAt ?? new Date(0),
    });
  }
}

function strings(labels: Readonly<Record<string, string | undefined>> = {}): Record<string, string> {
  return Object.fromEntries(Object.entries(labels).filter((e): e is [string, string] => e[1] !== undefined));
}

function mounts(key: string) {
  return [{ type: "bind", source: `/fake/snapshots/${key}`, target: "", options: ["rbind", "rw"] }];
}

function imageRecord(i: FakeDaemon["images"] extends Map<string, infer R> ? R : never): Img.Image {
  return Img.Image.fromPartial({
    name: i.name,
    labels: { ...i.labels },
    target: { mediaType: i.target.mediaType, digest: i.target.digest, size: i.target.size, annotations: {} },
  });
}
