import { lastValueFrom } from "rxjs";
import { DataLossError, InvalidArgumentError, NotFoundError } from "../../../errors/containerd-error.js";
import { isNotFound } from "../../../errors/guards.js";
import type { CallOptions } from "../../../services/call-options.js";
import { readBlob, type OciDescriptor } from "../image-reader.js";
import type { Tx } from "../../rx/transaction.js";
import type { ArchiveContents } from "./archive-types.js";
import { sha256Digest } from "../../oci/digest.js";
import { labelBlob, writeBlob } from "../../content/blob-writer.js";
import type { Image } from "../image.js";
import type { ImageProgress } from "../image.js";
import {
  ANNOTATION_IMAGE_NAME,
  ANNOTATION_REF_NAME,
  childGcLabels,
  CONFIG_MEDIA_TYPES,
  DEFAULT_PLATFORM,
  INDEX_MEDIA_TYPES,
  LAYER_MEDIA_TYPES,
  MANIFEST_MEDIA_TYPES,
  MEDIA_DOCKER_CONFIG,
  MEDIA_DOCKER_LAYER,
  MEDIA_DOCKER_LAYER_GZIP,
  normalizeReference,
  ociRefName,
  platformMatches,
  type Platform,
} from "../../oci/oci.js";
import { formatPlatform } from "../../oci/platforms.js";
import { MEDIA_TYPE_DOCKER_MANIFEST } from "../../oci/media-types.js";
import { longCall, type LongCallOptions, type StoreContext } from "../../content/store-context.js";
import { putImage } from "../image-put.js";
import { unpackImage } from "../unpack.js";

/** Options of `client.images.import$`. */
export interface ImportOptions extends LongCallOptions {
  /**
   * Platform to import: index entries that cannot run on it are skipped, as containerd's
   * `platforms.Only` decides ({@link platformMatches}: `arm/v7` keeps v6 and v5 too, `amd64` keeps
   * `386`); unpack then takes the best of them (`selectManifest` from `rxcontainerd/oci`). Default: the host's.
   */
  readonly platform?: Platform;
  /** Import every platform of an index. Default false. */
  readonly allPlatforms?: boolean;
  /**
   * Names images whose index entry has only an `org.opencontainers.image.ref.name` tag (no
   * `io.containerd.image.name`): `<baseName>:<tag>` (as `ctr import --base-name`). Without it,
   * such a ref name is used as the image name as is.
   */
  readonly baseName?: string;
  /**
   * Also name every selected index entry `<baseName>@<digest>` (as `ctr import --digests`), so
   * entries without a name annotation are imported too. Needs `baseName`. Default false.
   */
  readonly digestRefs?: boolean;
  /** Unpack each image into `snapshotter` (inside the same lease). Default false. */
  readonly unpack?: boolean;
  /** Snapshotter for `unpack`. Default overlayfs. */
  readonly snapshotter?: string;
}

type Json = Record<string, unknown>;
const asDescriptor = (d: unknown): OciDescriptor | undefined => {
  const o = d as Partial<OciDescriptor> | undefined;
  return o && typeof o.mediaType === "string" && typeof o.digest === "string" && typeof o.size === "number"
    ? (o as OciDescriptor)
    : undefined;
};

async function parse(buf: Buffer, what: string): Promise<Json> {
  try {
    const v: unknown = JSON.parse(buf.toString("utf8"));
    if (typeof v !== "object" || v === null) throw new Error("not an object");
    return v as Json;
  } catch (e) {
    throw new InvalidArgumentError(`archive: ${what} is not valid JSON`, { cause: e });
  }
}

/** Reads a blob the archive should have provided; a missing one is InvalidArgumentError. */
async function blob(ctx: StoreContext, d: OciDescriptor, call: CallOptions): Promise<Buffer> {
  return readBlob(ctx.services, d, call).catch((e: unknown) => {
    if (isNotFound(e)) throw new InvalidArgumentError(`archive: missing blob ${d.digest} (${d.mediaType})`);
    throw e;
  });
}

async function checkPresent(ctx: StoreContext, d: OciDescriptor, call: CallOptions): Promise<void> {
  const info = await lastValueFrom(ctx.services.content.info$({ digest: d.digest }, call)).catch((e: unknown) => {
    if (isNotFound(e)) throw new InvalidArgumentError(`archive: missing blob ${d.digest} (${d.mediaType})`);
    throw e;
  });
  if (info.info && info.info.size.toNumber() !== d.size) {
    throw new DataLossError(
      `archive: blob ${d.digest} is ${info.info.size.toString()} bytes, descriptor says ${d.size}`,
    );
  }
}

/** Writes a small JSON blob (synthesised manifest) with labels; returns its descriptor. */
async function writeJson(
  ctx: StoreContext,
  value: unknown,
  mediaType: string,
  labels: Record<string, string>,
  call: CallOptions,
): Promise<OciDescriptor> {
  const data = Buffer.from(JSON.stringify(value));
  const digest = sha256Digest(data);
  await writeBlob(ctx.services, `rxcontainerd-manifest-${digest}`, { digest, size: data.length }, data, labels, call);
  return { mediaType, digest, size: data.length };
}

/** docker save: one Docker manifest per manifest.json entry, one index entry per RepoTag. */
async function dockerIndex(ctx: StoreContext, c: ArchiveContents, call: CallOptions): Promise<OciDescriptor[]> {
  const raw = c.small.get("manifest.json");
  if (!raw) throw new InvalidArgumentError("archive: unrecognized image format (no oci-layout or manifest.json)");
  let list: unknown;
  try {
    list = JSON.parse(raw.toString("utf8"));
  } catch (e) {
    throw new InvalidArgumentError("archive: manifest.json is not valid JSON", { cause: e });
  }
  if (!Array.isArray(list)) throw new InvalidArgumentError("archive: manifest.json is not a list");
  const find = (path: string) => c.blobs.get(path) ?? c.blobs.get(c.links.get(path) ?? "");
  const entries: OciDescriptor[] = [];
  for (const m of list as { Config?: unknown; RepoTags?: unknown; Layers?: unknown }[]) {
    if (typeof m?.Config !== "string" || !Array.isArray(m.Layers))
      throw new InvalidArgumentError("archive: manifest.json entry needs Config and Layers");
    const cfg = find(m.Config);
    if (!cfg) throw new InvalidArgumentError(`archive: image config ${JSON.stringify(m.Config)} not found`);
    const config = { mediaType: MEDIA_DOCKER_CONFIG, digest: cfg.digest, size: cfg.size };
    const layers = (m.Layers as unknown[]).map((l) => {
      const b = typeof l === "string" ? find(l) : undefined;
      if (!b) throw new InvalidArgumentError(`archive: layer ${JSON.stringify(l)} not found`);
      return { mediaType: b.gzip ? MEDIA_DOCKER_LAYER_GZIP : MEDIA_DOCKER_LAYER, digest: b.digest, size: b.size };
    });
    const cj = await parse(await blob(ctx, config, call), m.Config);
    const manifest = { schemaVersion: 2, mediaType: MEDIA_TYPE_DOCKER_MANIFEST, config, layers };
    const desc = await writeJson(ctx, manifest, MEDIA_TYPE_DOCKER_MANIFEST, childGcLabels([config, ...layers]), call);
    const platform =
      typeof cj["os"] === "string" && typeof cj["architecture"] === "string"
        ? {
            platform: {
              os: cj["os"],
              architecture: cj["architecture"],
              ...(typeof cj["variant"] === "string" && cj["variant"] ? { variant: cj["variant"] } : {}),
            },
          }
        : {};
    const tags = Array.isArray(m.RepoTags)
      ? (m.RepoTags as unknown[]).filter((t): t is string => typeof t === "string")
      : [];
    if (tags.length === 0) entries.push({ ...desc, ...platform });
    for (const tag of tags) {
      let name: string;
      try {
        name = normalizeReference(tag);
      } catch (e) {
        throw new InvalidArgumentError(
          `archive: manifest.json RepoTag ${JSON.stringify(tag)} is not a valid image reference`,
          { cause: e },
        );
      }
      entries.push({
        ...desc,
        ...platform,
        annotations: { [ANNOTATION_IMAGE_NAME]: name, [ANNOTATION_REF_NAME]: ociRefName(name) },
      });
    }
  }
  return entries;
}

/** Validates a descriptor's graph and sets the GC labels; false when no platform matched. */
async function prepareGraph(
  ctx: StoreContext,
  d: OciDescriptor,
  options: ImportOptions,
  call: CallOptions,
): Promise<boolean> {
  const want = options.platform ?? DEFAULT_PLATFORM;
  if (INDEX_MEDIA_TYPES.has(d.mediaType)) {
    const index = await parse(await blob(ctx, d, call), `index ${d.digest}`);
    const children: OciDescriptor[] = [];
    for (const m of Array.isArray(index["manifests"]) ? (index["manifests"] as unknown[]) : []) {
      const child = asDescriptor(m);
      if (!child) throw new InvalidArgumentError(`archive: bad descriptor in index ${d.digest}`);
      if (!options.allPlatforms && !platformMatches(child.platform, want)) continue;
      if (await prepareGraph(ctx, child, options, call)) children.push(child);
    }
    await labelBlob(ctx.services, d.digest, childGcLabels(children), call);
    return children.length > 0;
  }
  if (!MANIFEST_MEDIA_TYPES.has(d.mediaType))
    throw new InvalidArgumentError(`archive: unsupported media type ${JSON.stringify(d.mediaType)} (${d.digest})`);
  const manifest = await parse(await blob(ctx, d, call), `manifest ${d.digest}`);
  const config = asDescriptor(manifest["config"]);
  if (!config || !CONFIG_MEDIA_TYPES.has(config.mediaType))
    throw new InvalidArgumentError(`archive: manifest ${d.digest} has no config of a known media type`);
  const layers = (Array.isArray(manifest["layers"]) ? (manifest["layers"] as unknown[]) : []).map((l) => {
    const layer = asDescriptor(l);
    if (!layer || !LAYER_MEDIA_TYPES.has(layer.mediaType))
      throw new InvalidArgumentError(
        `archive: manifest ${d.digest} has a layer of unsupported media type ${JSON.stringify(layer?.mediaType)}`,
      );
    return layer;
  });
  for (const x of [config, ...layers]) await checkPresent(ctx, x, call);
  await labelBlob(ctx.services, d.digest, childGcLabels([config, ...layers]), call);
  return true;
}

/** The image name for an index entry (`io.containerd.image.name`, else the ref name), or "". */
function imageName(d: OciDescriptor, options: ImportOptions): string {
  const a = d.annotations ?? {};
  const full = a[ANNOTATION_IMAGE_NAME];
  if (full) return full;
  const ref = a[ANNOTATION_REF_NAME] ?? "";
  if (ref && options.baseName && !ref.includes("/") && !ref.includes(":")) return `${options.baseName}:${ref}`;
  return ref;
}

/**
 * After the tar is ingested: the root index entries (OCI index.json, or synthesised for docker
 * save), their graphs validated and GC-labelled, image records created or re-pointed (rolled
 * back on failure), and unpacked when asked. @internal
 */
export async function registerImages(
  tx: Tx,
  ctx: StoreContext,
  c: ArchiveContents,
  lease: string,
  options: ImportOptions,
  emit: (p: ImageProgress) => void,
): Promise<Image[]> {
  const call = longCall(ctx, options, lease);
  let entries: OciDescriptor[];
  const layout = c.small.get("oci-layout");
  if (layout) {
    const version = (await parse(layout, "oci-layout"))["imageLayoutVersion"];
    if (version !== "1.0.0")
      throw new InvalidArgumentError(`archive: unsupported OCI layout version ${JSON.stringify(version)}`);
    const raw = c.small.get("index.json");
    if (!raw) throw new InvalidArgumentError("archive: missing index.json in OCI layout");
    const index = await parse(raw, "index.json");
    entries = (Array.isArray(index["manifests"]) ? (index["manifests"] as unknown[]) : []).map((m) => {
      const d = asDescriptor(m);
      if (!d) throw new InvalidArgumentError("archive: bad descriptor in index.json");
      return d;
    });
  } else {
    entries = await dockerIndex(ctx, c, call);
  }
  const want = options.platform ?? DEFAULT_PLATFORM;
  const named: { name: string; target: OciDescriptor }[] = [];
  for (const d of entries) {
    if (!options.allPlatforms && !platformMatches(d.platform, want)) continue;
    if (!(await prepareGraph(ctx, d, options, call))) continue;
    const name = imageName(d, options);
    if (name) named.push({ name, target: d });
    if (options.digestRefs && options.baseName) named.push({ name: `${options.baseName}@${d.digest}`, target: d });
  }
  if (named.length === 0) {
    throw new NotFoundError(
      `archive: no named image for ${options.allPlatforms ? "any platform" : formatPlatform(want)} ` +
        `(entries need an ${ANNOTATION_IMAGE_NAME} or ${ANNOTATION_REF_NAME} annotation; or pass baseName with digestRefs)`,
    );
  }
  const images: Image[] = [];
  for (const { name, target } of named) images.push(await putImage(tx, ctx, name, target, call));
  if (options.unpack) {
    for (const img of images)
      await unpackImage(tx, ctx.services, img.name, options.snapshotter ?? "overlayfs", call, emit, want);
  }
  return images;
}
