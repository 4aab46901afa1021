// rxcontainerd/nest: the NestJS module (ContainerdModule), its injection token and decorator, a
// terminus health indicator and server-sent events of a container's run. An explicit barrel.
// Needs @nestjs/common and @nestjs/core (optional peer dependencies); `rxcontainerd` itself never
// loads them.

export { ContainerdModule, CONTAINERD_MODULE_OPTIONS } from "./nest/module.js";
export type { ContainerdModuleExtras, ContainerdModuleOptions } from "./nest/module.js";
export { DEFAULT_CONTAINERD_NAME, InjectContainerd, getContainerdToken } from "./nest/tokens.js";
export { ContainerdHealthIndicator } from "./nest/health.js";
export type { ContainerdHealthOptions, ContainerdHealthStatus } from "./nest/health.js";
export { ContainerdSseInterceptor, toMessageEvents } from "./nest/sse.js";
export type { ContainerSseData, MessageEventsOptions } from "./nest/sse.js";
