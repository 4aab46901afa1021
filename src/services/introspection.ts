// One-line Observable wrappers over Introspection's RPCs; all plumbing lives in Rpc.
import {
  IntrospectionService,
  PluginInfoRequest,
  PluginsRequest,
} from "../../generated/github.com/containerd/containerd/api/services/introspection/v1/introspection.js";
import { Empty } from "../../generated/google/protobuf/empty.js";
import type { Rpc } from "./rpc.js";

/**
 * `containerd.services.introspection.v1.Introspection` as Observables. Every method is cold: it issues the RPC when subscribed (once per
 * subscription), emits the response (streaming methods: each message, then complete), cancels the
 * call on unsubscribe, and reports failures as `ContainerdError` subclasses (`NotFoundError`, …).
 * Requests take any subset of the message's fields; options are the trailing `CallOptions`.
 *
 * @example
 * ```ts
 * client.services.introspection.plugins$({ filters: ["type==io.containerd.snapshotter.v1"] }).subscribe(console.log);
 * ```
 */
export function introspectionApi(rpc: Rpc) {
  return {
    /** `Plugins` — Plugins returns a list of plugins in containerd.  Clients can use this to detect features and capabilities when using containerd. (emits the response). */
    plugins$: rpc.unary(IntrospectionService.plugins, PluginsRequest),
    /** `Server` — Server returns information about the containerd server (emits the response). */
    server$: rpc.unary(IntrospectionService.server, Empty),
    /** `PluginInfo` — one plugin's details by type and id (containerd ≥ 2.0; older daemons answer `NotImplementedError`) (emits the response). */
    pluginInfo$: rpc.unary(IntrospectionService.pluginInfo, PluginInfoRequest),
  };
}

/** The methods of `introspectionApi`. */
export type IntrospectionApi = ReturnType<typeof introspectionApi>;
