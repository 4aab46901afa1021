import { catchError, concat, concatMap, defer, EMPTY, map, of, throwError, type Observable } from "rxjs";
import { ContainerdError, InvalidArgumentError } from "../../errors/containerd-error.js";
import { isNotFound } from "../../errors/guards.js";
import { checkIdentifier } from "../client/identifiers.js";
import type { Image, ImageProgress } from "../images/image.js";
import type { Images } from "../images/images.js";
import type { PullOptions } from "../images/pull.js";
import type { Platform } from "../oci/media-types.js";
import { parsePlatform } from "../oci/platforms.js";
import { tryParseReference } from "../oci/reference.js";
import type { RunEvent } from "./run.js";

/**
 * When `run$` pulls the image, as `docker run --pull`:
 * - `"never"` (the default: `run$` has always used only local images): no registry access; the
 *   image must be in the namespace and unpacked (NotFoundError naming the image if it is absent,
 *   FailedPreconditionError if it is not unpacked).
 * - `"missing"`: pulls (and unpacks) when the image is absent; unpacks when it is there but not
 *   unpacked for the snapshotter; else uses it as it is.
 * - `"always"`: pulls (and unpacks) every time; layers already stored are not downloaded again.
 */
export type PullPolicy = "missing" | "always" | "never";

/** Registry options of `run$`'s pull (the platform and snapshotter are the container's). */
export type RunPullOptions = Omit<PullOptions, "platform" | "unpack" | "snapshotter">;

const POLICIES: readonly string[] = ["missing", "always", "never"];

/** What {@link withImage$} needs besides the policy. @internal */
export interface ImageNeeds {
  readonly image: string;
  readonly snapshotter?: string | undefined;
  readonly platform?: Platform | string | undefined;
  readonly pullOptions?: RunPullOptions | undefined;
}

/**
 * Applies the pull policy, emitting the pull's (or unpack's) progress as `pull` events, then
 * subscribes to `run(name)` with the image name to create from (normalized, e.g.
 * `docker.io/library/busybox:latest` for `busybox`, when the policy may pull). @internal
 */
export function withImage$(
  images: Images,
  id: string,
  policy: PullPolicy,
  needs: ImageNeeds,
  run: (image: string) => Observable<RunEvent>,
): Observable<RunEvent> {
  return defer(() => {
    if (!POLICIES.includes(policy))
      return throwError(
        () =>
          new InvalidArgumentError(`run$ pull must be "missing", "always" or "never", got ${JSON.stringify(policy)}`),
      );
    if (policy === "never") return run(needs.image);
    const bad = checkIdentifier("container id", id);
    if (bad) return throwError(() => bad);
    const reference = tryParseReference(needs.image);
    if (ContainerdError.is(reference)) return throwError(() => reference);
    const name = reference.string;
    const snapshotter = needs.snapshotter ?? "overlayfs";
    let platform: Platform | undefined;
    try {
      platform = typeof needs.platform === "string" ? parsePlatform(needs.platform) : needs.platform;
    } catch (e) {
      return throwError(() => e);
    }
    const pull$ = images.pull$(name, {
      ...needs.pullOptions,
      unpack: true,
      snapshotter,
      ...(platform ? { platform } : {}),
    });
    const unpackIfNeeded$ = (image: Image): Observable<ImageProgress> => {
      const opts = platform ? { platform } : {};
      return image
        .isUnpacked$(snapshotter, opts)
        .pipe(concatMap((unpacked) => (unpacked ? EMPTY : image.unpack$(snapshotter, opts))));
    };
    const progress$: Observable<ImageProgress> =
      policy === "always"
        ? pull$
        : images.get$(name).pipe(
            catchError((e: unknown) => (isNotFound(e) ? of(undefined) : throwError(() => e))),
            concatMap((image) => (image ? unpackIfNeeded$(image) : pull$)),
          );
    return concat(
      progress$.pipe(map((progress): RunEvent => ({ type: "pull", containerId: id, image: name, progress }))),
      defer(() => run(name)),
    );
  });
}
