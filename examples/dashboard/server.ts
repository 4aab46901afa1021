// The dashboard's server: a NestJS app on rxcontainerd/nest. `startDashboard` is what main.ts runs
// and what the end-to-end test (test/integration/dashboard.test.ts) starts.
import { readFileSync } from "node:fs";
import {
  Body,
  Controller,
  Get,
  Header,
  HttpCode,
  Inject,
  Module,
  Param,
  Post,
  Sse,
  UseInterceptors,
  type INestApplication,
  type LogLevel,
  type MessageEvent,
} from "@nestjs/common";
import { NestFactory } from "@nestjs/core";
import { map, type Observable } from "rxjs";
import type { RunEvent } from "../../src/index.js";
import { ContainerdModule, ContainerdSseInterceptor } from "../../src/nest.js";
import { Jobs } from "./jobs.js";
import { LiveList } from "./live-list.js";

// build/examples/dashboard/server.js → examples/dashboard/public/
const PUBLIC = new URL("../../../examples/dashboard/public/", import.meta.url);
const asset = (name: string) => readFileSync(new URL(name, PUBLIC), "utf8");

@Controller()
class DashboardController {
  private readonly page = asset("index.html");
  private readonly script = asset("app.js");

  constructor(
    @Inject(Jobs) private readonly jobs: Jobs,
    @Inject(LiveList) private readonly live: LiveList,
  ) {}

  @Get()
  @Header("content-type", "text/html; charset=utf-8")
  index(): string {
    return this.page;
  }

  @Get("app.js")
  @Header("content-type", "text/javascript; charset=utf-8")
  app(): string {
    return this.script;
  }

  /** The containers table: one `containers` event per change. */
  @Sse("api/containers")
  containers(): Observable<MessageEvent> {
    return this.live.rows$.pipe(map((rows) => ({ type: "containers", data: rows })));
  }

  @Post("api/jobs")
  @HttpCode(201)
  start(@Body() body: { image?: unknown; command?: unknown }): { id: string } {
    return { id: this.jobs.start(body?.image, body?.command) };
  }

  /** created, started, line…, exited (or failed): see ContainerSseData in rxcontainerd/nest. */
  @Sse("api/jobs/:id/events")
  @UseInterceptors(ContainerdSseInterceptor)
  events(@Param("id") id: string): Observable<RunEvent> {
    return this.jobs.events$(id);
  }

  @Post("api/jobs/:id/kill")
  @HttpCode(202)
  async kill(@Param("id") id: string): Promise<{ killed: string }> {
    await this.jobs.kill(id);
    return { killed: id };
  }
}

/** Options of {@link startDashboard}. */
export interface DashboardOptions {
  /** containerd's socket. Default `$CONTAINERD_ADDRESS`, then `/run/containerd/containerd.sock`. */
  readonly address?: string;
  /** Default `$CONTAINERD_NAMESPACE`, then `default`. */
  readonly namespace?: string;
  /** Default 8080; 0 picks a free port. */
  readonly port?: number;
  /** Default 127.0.0.1. */
  readonly host?: string;
  readonly logger?: LogLevel[] | false;
}

/** Starts the dashboard; resolves once it listens, with its URL. */
export async function startDashboard(options: DashboardOptions = {}): Promise<{ app: INestApplication; url: string }> {
  @Module({
    imports: [
      ContainerdModule.forRoot({
        ...(options.address ? { address: options.address } : {}),
        ...(options.namespace ? { namespace: options.namespace } : {}),
        isGlobal: true,
      }),
    ],
    controllers: [DashboardController],
    providers: [Jobs, LiveList],
  })
  class DashboardModule {}
  const app = await NestFactory.create(DashboardModule, { logger: options.logger ?? ["error", "warn", "log"] });
  const host = options.host ?? "127.0.0.1";
  await app.listen(options.port ?? 8080, host);
  const address = app.getHttpServer().address() as { port: number };
  return { app, url: `http://${host}:${address.port}` };
}
