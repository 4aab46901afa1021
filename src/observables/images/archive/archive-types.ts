/** A file of the archive written to the content store. @internal */
export interface BlobEntry {
  readonly digest: string;
  readonly size: number;
  /** Whether the data starts with the gzip magic (undefined when the blob already existed). */
  readonly gzip: boolean | undefined;
}

/** What one pass over an image archive found. @internal */
export interface ArchiveContents {
  /** oci-layout, index.json, manifest.json, repositories: parsed later. */
  readonly small: Map<string, Buffer>;
  /** Every other regular file, written to the content store: path → blob. */
  readonly blobs: Map<string, BlobEntry>;
  /** Symlinks: path → target path (docker save links duplicate layers). */
  readonly links: Map<string, string>;
}
