// The protocol half of src/observables/transfer: packing the `containerd.types.transfer.*` messages
// into the `Any`s that Transfer and Streaming carry, and unpacking what the daemon sends back
// (src/observables reaches generated/ only through src/services).
import { StreamInit } from "../../generated/github.com/containerd/containerd/api/services/streaming/v1/streaming.js";
import { ImageStore } from "../../generated/github.com/containerd/containerd/api/types/transfer/imagestore.js";
import {
  ImageExportStream,
  ImageImportStream,
} from "../../generated/github.com/containerd/containerd/api/types/transfer/importexport.js";
import { Progress } from "../../generated/github.com/containerd/containerd/api/types/transfer/progress.js";
import {
  AuthRequest,
  AuthResponse,
  AuthType,
  OCIRegistry,
} from "../../generated/github.com/containerd/containerd/api/types/transfer/registry.js";
import { Data, WindowUpdate } from "../../generated/github.com/containerd/containerd/api/types/transfer/streaming.js";
import type { MessageInit } from "./message.js";

/** A packed message as Transfer and Streaming carry it (`google.protobuf.Any`). */
export interface PackedMessage {
  readonly typeUrl: string;
  readonly value: Buffer;
}

interface Fns<T> {
  fromPartial(object: MessageInit<T>): T;
  encode(message: T): { finish(): Uint8Array };
}

function pack<T>(typeUrl: string, fns: Fns<T>, init: MessageInit<T>): PackedMessage {
  return { typeUrl, value: Buffer.from(fns.encode(fns.fromPartial(init)).finish()) };
}

/** A platform as the transfer types carry it. */
export interface TransferPlatform {
  readonly os: string;
  readonly architecture: string;
  readonly variant?: string;
}

/** `containerd.types.transfer.OCIRegistry`: a reference in a registry, resolved by the daemon. */
export interface OciRegistryInit {
  readonly reference: string;
  /** Streaming stream on which the daemon sends `AuthRequest`s. */
  readonly authStream?: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** containerd ≥ 2.0: a hosts.toml directory on the daemon's host. */
  readonly hostDir?: string;
  /** containerd ≥ 2.0: `http` or `https` for hosts without a hosts.toml entry. */
  readonly defaultScheme?: string;
}

/** `containerd.types.transfer.ImageStore`: the daemon's image store as source or destination. */
export interface ImageStoreInit {
  readonly name?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly platforms?: readonly TransferPlatform[];
  readonly allMetadata?: boolean;
  readonly unpacks?: readonly { readonly platform: TransferPlatform; readonly snapshotter: string }[];
  /** Names for imported images: a prefix (`isPrefix`) for the archive's names, or fixed names. */
  readonly extraReferences?: readonly {
    readonly name: string;
    readonly isPrefix?: boolean;
    readonly allowOverwrite?: boolean;
    readonly addDigest?: boolean;
  }[];
}

/** Packs an `OCIRegistry` source or destination. */
export const packOciRegistry = (r: OciRegistryInit): PackedMessage =>
  pack("containerd.types.transfer.OCIRegistry", OCIRegistry, {
    reference: r.reference,
    resolver: {
      authStream: r.authStream ?? "",
      headers: { ...r.headers },
      hostDir: r.hostDir ?? "",
      defaultScheme: r.defaultScheme ?? "",
    },
  });

/** Packs an `ImageStore` source or destination. */
export const packImageStore = (s: ImageStoreInit): PackedMessage =>
  pack("containerd.types.transfer.ImageStore", ImageStore, {
    name: s.name ?? "",
    labels: { ...s.labels },
    platforms: (s.platforms ?? []).map((p) => ({ ...p })),
    allMetadata: s.allMetadata ?? false,
    unpacks: (s.unpacks ?? []).map((u) => ({ platform: { ...u.platform }, snapshotter: u.snapshotter })),
    extraReferences: (s.extraReferences ?? []).map((r) => ({ ...r })),
  });

/** Packs an `ImageImportStream` source: the archive arrives as `Data` on Streaming stream `stream`. */
export const packImportStream = (stream: string, mediaType = ""): PackedMessage =>
  pack("containerd.types.transfer.ImageImportStream", ImageImportStream, { stream, mediaType });

/** Packs an `ImageExportStream` destination: the daemon sends the archive as `Data` on `stream`. */
export const packExportStream = (
  stream: string,
  options: { readonly platforms?: readonly TransferPlatform[]; readonly allPlatforms?: boolean } = {},
): PackedMessage =>
  pack("containerd.types.transfer.ImageExportStream", ImageExportStream, {
    stream,
    platforms: (options.platforms ?? []).map((p) => ({ ...p })),
    allPlatforms: options.allPlatforms ?? false,
  });

/** The first message of a Streaming stream, naming it. */
export const packStreamInit = (id: string): PackedMessage =>
  pack("containerd.services.streaming.v1.StreamInit", StreamInit, { id });

/** A chunk of an archive sent to the daemon. */
export const packData = (data: Uint8Array): PackedMessage =>
  pack("containerd.types.transfer.Data", Data, { data: Buffer.from(data) });

/** Lets the daemon send `update` more bytes. */
export const packWindowUpdate = (update: number): PackedMessage =>
  pack("containerd.types.transfer.WindowUpdate", WindowUpdate, { update });

/** An answer to an `AuthRequest`: user name and password, an identity (refresh) token, or none. */
export type AuthAnswer =
  | { readonly type: "none" }
  | { readonly type: "credentials"; readonly username: string; readonly secret: string }
  | { readonly type: "refresh"; readonly secret: string };

/** Packs an `AuthResponse`. */
export const packAuthResponse = (a: AuthAnswer): PackedMessage =>
  pack(
    "containerd.types.transfer.AuthResponse",
    AuthResponse,
    a.type === "credentials"
      ? { authType: AuthType.CREDENTIALS, username: a.username, secret: a.secret }
      : a.type === "refresh"
        ? { authType: AuthType.REFRESH, secret: a.secret }
        : { authType: AuthType.NONE },
  );

/** A message the daemon sends on a Streaming stream, decoded. */
export type StreamMessage =
  | {
      readonly type: "progress";
      readonly event: string;
      readonly name: string;
      readonly parents: readonly string[];
      readonly progress: number;
      readonly total: number;
      readonly desc?: { readonly mediaType: string; readonly digest: string; readonly size: number };
    }
  | { readonly type: "auth"; readonly host: string; readonly reference: string; readonly wwwAuthenticate: string[] }
  | { readonly type: "data"; readonly data: Buffer }
  | { readonly type: "window"; readonly update: number }
  | { readonly type: "other"; readonly typeUrl: string };

/** Decodes one message the daemon sent (the type URL may carry a `…/` prefix). */
export function unpackStreamMessage(m: { readonly typeUrl: string; readonly value: Uint8Array }): StreamMessage {
  const name = m.typeUrl.slice(m.typeUrl.lastIndexOf("/") + 1);
  switch (name) {
    case "containerd.types.transfer.Progress": {
      const p = Progress.decode(m.value);
      return {
        type: "progress",
        event: p.event,
        name: p.name,
        parents: p.parents,
        progress: p.progress.toNumber(),
        total: p.total.toNumber(),
        ...(p.desc
          ? { desc: { mediaType: p.desc.mediaType, digest: p.desc.digest, size: p.desc.size.toNumber() } }
          : {}),
      };
    }
    case "containerd.types.transfer.AuthRequest": {
      const a = AuthRequest.decode(m.value);
      return { type: "auth", host: a.host, reference: a.reference, wwwAuthenticate: a.wwwauthenticate };
    }
    case "containerd.types.transfer.Data":
      return { type: "data", data: Data.decode(m.value).data };
    case "containerd.types.transfer.WindowUpdate":
      return { type: "window", update: WindowUpdate.decode(m.value).update };
    default:
      return { type: "other", typeUrl: m.typeUrl };
  }
}
