import { concatMap, map, type Observable } from "rxjs";
import { NotFoundError } from "../../errors/containerd-error.js";
import type { CallOptions } from "../../services/call-options.js";
import type { NamespacesApi } from "../../services/namespaces.js";
import { checkIdentifier } from "./identifiers.js";
import { checkLabels } from "./labels.js";
import { validated } from "../rx/validated.js";

/** A containerd namespace. */
export interface Namespace {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
}

/** Options of `namespaces.create$`: the labels, and the call's options. */
export interface CreateNamespaceOptions extends CallOptions {
  /** Labels of the new namespace. Default none. */
  readonly labels?: Readonly<Record<string, string>>;
}

function toNamespace(ns: { name: string; labels: { [k: string]: string } } | undefined): Namespace {
  return { name: ns?.name ?? "", labels: { ...(ns?.labels ?? {}) } };
}

/**
 * containerd namespaces (`client.namespaces`). Every method is cold: the RPC fires on subscribe;
 * names are checked against containerd's identifier rules, and labels against its size limit
 * ({@link checkLabels}), first (InvalidArgumentError, no RPC).
 *
 * @example
 * ```ts
 * client.namespaces.create$("ci-42", { labels: { owner: "ci" } })
 *   .pipe(concatMap(() => client.namespaces.list$()))
 *   .subscribe((all) => console.log(all.map((n) => n.name)));
 * ```
 */
export class Namespaces {
  /** @internal */
  constructor(private readonly api: NamespacesApi) {}

  /**
   * Creates a namespace; emits it. AlreadyExistsError if it exists, InvalidArgumentError for a bad
   * name or an oversized label (no RPC).
   */
  create$(name: string, options: CreateNamespaceOptions = {}): Observable<Namespace> {
    const { labels = {}, ...call } = options;
    return validated(
      () => checkIdentifier("namespace", name) ?? checkLabels("namespace labels", labels),
      () =>
        this.api
          .create$({ namespace: { name, labels: { ...labels } } }, call)
          .pipe(map((r) => toNamespace(r.namespace))),
    );
  }

  /**
   * Emits the namespace; NotFoundError if it does not exist. Uses Namespaces.List, because
   * containerd 1.6's Namespaces.Get answers for any name, existing or not.
   */
  get$(name: string, options?: CallOptions): Observable<Namespace> {
    return validated(
      () => checkIdentifier("namespace", name),
      () =>
        this.list$(options).pipe(
          map((all) => {
            const found = all.find((n) => n.name === name);
            if (!found) throw new NotFoundError(`namespace "${name}": not found`);
            return found;
          }),
        ),
    );
  }

  /** Emits all namespaces, as one array. */
  list$(options?: CallOptions): Observable<Namespace[]> {
    return this.api.list$({}, options).pipe(map((r) => r.namespaces.map(toNamespace)));
  }

  /**
   * Sets the given labels, leaving others untouched; an empty value removes a label (field mask
   * `labels.<key>` per key, as the Go client does). Emits the namespace as it is afterwards.
   * RPCs: Get (so a missing namespace is a NotFoundError, which Update alone would not report),
   * Update, Get (Update answers with an empty message). InvalidArgumentError for a bad name or an
   * oversized label (no RPC).
   */
  setLabels$(name: string, labels: Record<string, string>, options?: CallOptions): Observable<Namespace> {
    const paths = Object.keys(labels).map((k) => `labels.${k}`);
    const set = Object.fromEntries(Object.entries(labels).filter(([, v]) => v !== ""));
    return validated(
      () => checkIdentifier("namespace", name) ?? checkLabels("namespace labels", labels),
      () =>
        this.get$(name, options).pipe(
          concatMap(() => this.api.update$({ namespace: { name, labels: set }, updateMask: paths }, options)),
          concatMap(() => this.get$(name, options)),
        ),
    );
  }

  /**
   * Deletes an empty namespace; emits `undefined` once, then completes. FailedPreconditionError if
   * it still holds containers, images, snapshots or content; NotFoundError if it does not exist.
   */
  delete$(name: string, options?: CallOptions): Observable<void> {
    return validated(
      () => checkIdentifier("namespace", name),
      () => this.api.delete$({ name }, options).pipe(map(() => undefined)),
    );
  }
}
