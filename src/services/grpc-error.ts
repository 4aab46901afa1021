import { Metadata, status, type ServiceError } from "@grpc/grpc-js";
import type { Code } from "../errors/code.js";
import { ContainerdError, type ErrorDetail } from "../errors/containerd-error.js";
import { Status } from "../../generated/google/rpc/status.js";

/** Metadata as a plain record of string values (binary `-bin` entries are left out). */
export function metadataRecord(md: Metadata | undefined): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  if (!md) return out;
  for (const key of Object.keys(md.getMap())) {
    if (!key.endsWith("-bin")) out[key] = md.get(key).map(String);
  }
  return out;
}

function statusDetails(md: Metadata | undefined): ErrorDetail[] {
  const raw = md?.get("grpc-status-details-bin")[0];
  if (!raw || typeof raw === "string") return [];
  try {
    return Status.decode(raw).details.map((d) => ({ typeUrl: d.typeUrl, value: d.value }));
  } catch {
    return [];
  }
}

/** Maps a grpc-js status error to the matching ContainerdError subclass. */
export function fromServiceError(err: ServiceError, method: string): ContainerdError {
  const code = (typeof err.code === "number" ? err.code : status.UNKNOWN) as number as Code;
  return ContainerdError.from(
    { code, details: err.details ?? err.message },
    { code, method, cause: err, details: statusDetails(err.metadata), metadata: metadataRecord(err.metadata) },
  );
}
