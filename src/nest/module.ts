import { ConfigurableModuleBuilder, Logger, type DynamicModule, type Provider } from "@nestjs/common";
import { lastValueFrom } from "rxjs";
import { Containerd, type ContainerdOptions } from "../observables/client/client.js";
import { ContainerdHealthIndicator } from "./health.js";
import { DEFAULT_CONTAINERD_NAME, getContainerdToken } from "./tokens.js";

/** Options of `ContainerdModule.forRoot` (also what a `forRootAsync` factory returns). */
export interface ContainerdModuleOptions extends ContainerdOptions {
  /**
   * At application shutdown, how long the client lets clean-ups in flight finish (the removal
   * after a `run$` that was unsubscribed, rollbacks) before cancelling what is left, in ms. The
   * `timeoutMs` of `close$`; default 10 000.
   */
  readonly closeTimeoutMs?: number;
}

/** Options of `forRoot` / `forRootAsync` that shape the module rather than the client. */
export interface ContainerdModuleExtras {
  /** Make the client injectable everywhere without importing the module again. Default false. */
  readonly isGlobal?: boolean;
  /**
   * Register the client under this name (`@InjectContainerd(name)`, `getContainerdToken(name)`),
   * e.g. one per daemon or namespace. Default: the unnamed client.
   */
  readonly name?: string;
}

const { ConfigurableModuleClass, MODULE_OPTIONS_TOKEN } = new ConfigurableModuleBuilder<ContainerdModuleOptions>({
  moduleName: "Containerd",
})
  .setClassMethodName("forRoot")
  .setExtras<ContainerdModuleExtras>({ isGlobal: false, name: DEFAULT_CONTAINERD_NAME }, (definition, extras) =>
    withClient(definition, extras.name ?? DEFAULT_CONTAINERD_NAME, extras.isGlobal ?? false),
  )
  .build();

/** The token of the options `forRoot` / `forRootAsync` received (per module instance). */
export const CONTAINERD_MODULE_OPTIONS: string | symbol = MODULE_OPTIONS_TOKEN;

const logger = new Logger("ContainerdModule");

function withClient(definition: DynamicModule, name: string, isGlobal: boolean): DynamicModule {
  const token = getContainerdToken(name);
  const client: Provider = {
    provide: token,
    useFactory: (options: ContainerdModuleOptions) => {
      const { closeTimeoutMs: _unused, ...clientOptions } = options;
      return new Containerd(clientOptions);
    },
    inject: [MODULE_OPTIONS_TOKEN],
  };
  // A plain object with the hook: Nest calls onApplicationShutdown on every provider's instance.
  const shutdown: Provider = {
    provide: `${token}:shutdown`,
    useFactory: (c: Containerd, options: ContainerdModuleOptions) => ({
      onApplicationShutdown: async () => {
        const report = await lastValueFrom(c.close$({ timeoutMs: options.closeTimeoutMs }));
        if (!report.clean) {
          logger.warn(
            `client ${JSON.stringify(name)} closed with ${report.leftovers.length} clean-up(s) unfinished: ` +
              report.leftovers.map((l) => `${l.what} (${l.reason})`).join("; "),
          );
        }
      },
    }),
    inject: [token, MODULE_OPTIONS_TOKEN],
  };
  return {
    ...definition,
    global: isGlobal,
    providers: [...(definition.providers ?? []), client, shutdown, ContainerdHealthIndicator],
    exports: [...(definition.exports ?? []), token, ContainerdHealthIndicator],
  };
}

/**
 * The Nest module of rxcontainerd: registers a `Containerd` client (injected with
 * `@InjectContainerd()`) and closes it when the application shuts down. Built with Nest's
 * `ConfigurableModuleBuilder`: `forRoot(options)` takes the client's options (`ContainerdOptions`
 * plus `closeTimeoutMs`), `forRootAsync({ useFactory, inject, imports })` computes them, and both
 * take `isGlobal` and `name` (several clients: one per daemon or namespace, each under its own
 * name). Nothing is dialled until the first call.
 *
 * At shutdown (`app.close()`, or a signal with `enableShutdownHooks()`), `onApplicationShutdown`
 * runs `client.close$({ timeoutMs: closeTimeoutMs })`: the clean-ups in flight (the removal of a
 * `run$` whose subscriber went away) finish first, then every call still open is cancelled and the
 * channel closes. Unfinished clean-ups are logged as a warning.
 *
 * Exports the client's token and {@link ContainerdHealthIndicator}.
 *
 * @example
 * ```ts skip
 * @Module({
 *   imports: [
 *     ContainerdModule.forRoot({ address: "/run/containerd/containerd.sock", namespace: "default", isGlobal: true }),
 *     ContainerdModule.forRootAsync({ name: "builds", useFactory: () => ({ namespace: "builds" }) }),
 *   ],
 * })
 * class AppModule {}
 * ```
 */
export class ContainerdModule extends ConfigurableModuleClass {}
