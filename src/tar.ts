// rxcontainerd/tar: the streaming tar reader that image import and unpack use. An explicit barrel.

export { TarStream } from "./observables/tar/tar-stream.js";
export type { TarEvent, TarHeader } from "./observables/tar/tar-stream.js";
