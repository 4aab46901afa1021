import { InvalidArgumentError } from "../../errors/containerd-error.js";
import type { ContainerRecord } from "../../services/protocol.js";
import type { Spec } from "../spec/types.js";

/** A protobuf `Any`: a type URL and the encoded value. */
export interface AnyValue {
  readonly typeUrl: string;
  readonly value: Uint8Array;
}

/** A container's record (Containers.Get). */
export interface ContainerInfo {
  readonly id: string;
  readonly labels: Readonly<Record<string, string>>;
  /** Image name the container was created from ("" if none). */
  readonly image: string;
  readonly runtime: { readonly name: string; readonly options?: AnyValue };
  readonly snapshotter: string;
  readonly snapshotKey: string;
  readonly createdAt?: Date;
  readonly updatedAt?: Date;
  readonly extensions: Readonly<Record<string, AnyValue>>;
  /** The sandbox the container belongs to (the Go client's `SandboxID`); "" for none, and always on 1.6. */
  readonly sandbox: string;
  /** The raw spec Any; {@link parseSpec} decodes it. */
  readonly spec?: AnyValue;
}

/** Maps the generated record to {@link ContainerInfo}. @internal */
export function toContainerInfo(c: ContainerRecord | undefined): ContainerInfo {
  if (!c) throw new InvalidArgumentError("daemon returned no container");
  return {
    id: c.id,
    labels: { ...c.labels },
    image: c.image,
    runtime: { name: c.runtime?.name ?? "", ...(c.runtime?.options ? { options: c.runtime.options } : {}) },
    snapshotter: c.snapshotter,
    snapshotKey: c.snapshotKey,
    ...(c.createdAt ? { createdAt: c.createdAt } : {}),
    ...(c.updatedAt ? { updatedAt: c.updatedAt } : {}),
    extensions: { ...c.extensions },
    sandbox: c.sandbox ?? "",
    ...(c.spec ? { spec: c.spec } : {}),
  };
}

/** Decodes the JSON OCI spec of a container record. InvalidArgumentError if absent or not JSON. */
export function parseSpec(info: ContainerInfo): Spec {
  if (!info.spec) throw new InvalidArgumentError(`container "${info.id}" has no spec`);
  try {
    return JSON.parse(Buffer.from(info.spec.value).toString("utf8")) as Spec;
  } catch (e) {
    throw new InvalidArgumentError(`container "${info.id}": spec is not JSON (${info.spec.typeUrl})`, { cause: e });
  }
}
