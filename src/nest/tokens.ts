import { Inject } from "@nestjs/common";

/** The name of the client `ContainerdModule.forRoot` registers when its options give no `name`. */
export const DEFAULT_CONTAINERD_NAME = "default";

/**
 * The injection token of a client registered by `ContainerdModule.forRoot({ name })`: the same
 * string for the same name, so it works with `@Inject`, `moduleRef.get` and factory `inject`
 * lists. No name (or `"default"`) gives the token of the unnamed client.
 *
 * @example
 * ```ts
 * import type { INestApplicationContext } from "@nestjs/common";
 * declare const app: INestApplicationContext;
 * const builds = app.get<Containerd>(getContainerdToken("builds"));
 * ```
 */
export function getContainerdToken(name: string = DEFAULT_CONTAINERD_NAME): string {
  return name === DEFAULT_CONTAINERD_NAME ? "rxcontainerd:Containerd" : `rxcontainerd:Containerd:${name}`;
}

/**
 * Parameter or property decorator injecting the `Containerd` client registered under `name`
 * (default: the unnamed one). Explicit token: needs no `emitDecoratorMetadata`.
 *
 * @example
 * ```ts skip
 * constructor(@InjectContainerd() private readonly client: Containerd, @InjectContainerd("builds") private readonly builds: Containerd) {}
 * ```
 */
export function InjectContainerd(name?: string): PropertyDecorator & ParameterDecorator {
  return Inject(getContainerdToken(name));
}
