// rxcontainerd/nest in a real Nest application (platform-express) against the lab daemon, over
// HTTP on loopback: a controller starts a container from a request, an @Sse endpoint streams its
// output lines and exit code, the terminus health endpoint answers, and app.close() leaves no
// container, task or open call.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import {
  Body,
  Controller,
  Get,
  HttpCode,
  Inject,
  Injectable,
  Module,
  NotFoundException,
  Param,
  Post,
  Sse,
  UseInterceptors,
  type BeforeApplicationShutdown,
  type INestApplication,
} from "@nestjs/common";
import { NestFactory } from "@nestjs/core";
import { HealthCheck, HealthCheckService, TerminusModule } from "@nestjs/terminus";
import { lastValueFrom, ReplaySubject, type Observable, type Subscription } from "rxjs";
import { Stdio, type Containerd, type RunEvent } from "../../src/index.js";
import {
  ContainerdHealthIndicator,
  ContainerdModule,
  ContainerdSseInterceptor,
  getContainerdToken,
  InjectContainerd,
} from "../../src/nest.js";
import { BUSYBOX, labAddress, labClient, type LabClient } from "../support/lab.js";
import { readSse, type SseEvent } from "../support/sse.js";
import { waitFor } from "../support/wait-for.js";

let lab: LabClient;
let second: LabClient;
before(async () => {
  lab = await labClient("nest", { image: true });
  second = await labClient("nest2");
});
after(async () => {
  await second.dispose();
  await lab.dispose();
});

/** Jobs started by POST, replayed to every SSE subscriber; stopped when the app shuts down. */
@Injectable()
class Jobs implements BeforeApplicationShutdown {
  private readonly runs = new Map<string, { events$: ReplaySubject<RunEvent>; sub: Subscription }>();
  constructor(@InjectContainerd() private readonly client: Containerd) {}

  start(args: string[]): string {
    const id = `job-${randomBytes(3).toString("hex")}`;
    const events$ = new ReplaySubject<RunEvent>();
    const sub = this.client.run$(id, { image: BUSYBOX, args, io: Stdio.pipe() }).subscribe(events$);
    this.runs.set(id, { events$, sub });
    return id;
  }

  events$(id: string): Observable<RunEvent> {
    const run = this.runs.get(id);
    if (!run) throw new NotFoundException(`no job ${id}`);
    return run.events$;
  }

  beforeApplicationShutdown(): void {
    for (const { sub } of this.runs.values()) sub.unsubscribe(); // run$ removes the container
  }
}

@Controller()
class JobsController {
  constructor(
    @Inject(Jobs) private readonly jobs: Jobs,
    @Inject(HealthCheckService) private readonly health: HealthCheckService,
    @Inject(ContainerdHealthIndicator) private readonly containerd: ContainerdHealthIndicator,
    @InjectContainerd("second") private readonly secondClient: Containerd,
  ) {}

  @Post("jobs")
  @HttpCode(201)
  start(@Body() body: { args: string[] }): { id: string } {
    return { id: this.jobs.start(body.args) };
  }

  @Sse("jobs/:id/events")
  @UseInterceptors(ContainerdSseInterceptor)
  events(@Param("id") id: string): Observable<RunEvent> {
    return this.jobs.events$(id);
  }

  @Get("health")
  @HealthCheck()
  check() {
    return this.health.check([
      () => this.containerd.isHealthy("containerd"),
      () => this.containerd.isHealthy("second", { name: "second" }),
    ]);
  }

  @Get("second/namespace")
  namespace(): { namespace: string } {
    return { namespace: this.secondClient.namespace };
  }
}

const SECOND_NAMESPACE = "SECOND_NAMESPACE";

async function startApp(): Promise<{ app: INestApplication; url: string }> {
  /** What a config module would provide; forRootAsync's factory gets it through `inject`. */
  @Module({
    providers: [{ provide: SECOND_NAMESPACE, useValue: second.client.namespace }],
    exports: [SECOND_NAMESPACE],
  })
  class LabConfig {}
  @Module({
    imports: [
      TerminusModule,
      ContainerdModule.forRoot({ address: labAddress(), namespace: lab.client.namespace, isGlobal: true }),
      ContainerdModule.forRootAsync({
        name: "second",
        imports: [LabConfig],
        inject: [SECOND_NAMESPACE],
        useFactory: async (namespace: string) => ({ address: labAddress(), namespace }),
      }),
    ],
    controllers: [JobsController],
    providers: [Jobs],
  })
  class AppModule {}
  const app = await NestFactory.create(AppModule, { logger: ["error", "warn"] });
  await app.listen(0, "127.0.0.1");
  return { app, url: (await app.getUrl()).replace("[::1]", "127.0.0.1") };
}

async function post(url: string, body: unknown): Promise<{ id: string }> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  assert.equal(res.status, 201, await res.clone().text());
  return (await res.json()) as { id: string };
}

async function collect(url: string): Promise<SseEvent[]> {
  const events: SseEvent[] = [];
  for await (const e of readSse(url, AbortSignal.timeout(15_000))) events.push(e);
  return events;
}

test("a job started by POST streams its lines and exit code over SSE; health answers; close leaves nothing", async () => {
  const { app, url } = await startApp();
  const client = app.get<Containerd>(getContainerdToken());
  const secondClient = app.get<Containerd>(getContainerdToken("second"));
  let closed = false;
  try {
    const health = await fetch(`${url}/health`);
    const body = (await health.json()) as { status: string; details: Record<string, Record<string, unknown>> };
    assert.equal(health.status, 200, JSON.stringify(body));
    assert.equal(body.status, "ok");
    assert.equal(body.details["containerd"]?.["status"], "up");
    assert.equal(body.details["containerd"]?.["serving"], true);
    assert.match(String(body.details["containerd"]?.["version"]), /^v?\d+\.\d+/);
    assert.equal(body.details["second"]?.["status"], "up");
    const ns = (await (await fetch(`${url}/second/namespace`)).json()) as { namespace: string };
    assert.equal(ns.namespace, second.client.namespace, "the named client has its own namespace");

    const { id } = await post(`${url}/jobs`, { args: ["sh", "-c", "echo one; echo twö >&2; printf three; exit 7"] });
    const events = await collect(`${url}/jobs/${id}/events`);
    assert.deepEqual(
      events.map((e) => e.type),
      ["created", "started", ...events.filter((e) => e.type === "line").map(() => "line"), "exited"],
    );
    const lines = events.filter((e) => e.type === "line").map((e) => e.data as { stream: string; line: string });
    assert.deepEqual(
      lines.map((l) => `${l.stream}:${l.line}`).sort(),
      ["stderr:twö", "stdout:one", "stdout:three"],
      "every line, with its stream, the unterminated last one too",
    );
    assert.deepEqual((events.at(-1)?.data as { containerId: string; exitCode: number }).exitCode, 7);

    // A long job whose stream is open when the app closes.
    const long = await post(`${url}/jobs`, { args: ["sh", "-c", "echo ready; exec sleep 600"] });
    const seen: SseEvent[] = [];
    const reading = (async () => {
      for await (const e of readSse(`${url}/jobs/${long.id}/events`, AbortSignal.timeout(15_000))) seen.push(e);
    })();
    await waitFor(() => seen.some((e) => e.type === "line"), { message: "the long job's first line" });
    const containers = await lastValueFrom(lab.client.containers.list$());
    assert.deepEqual(
      containers.map((c) => c.id),
      [long.id],
      "the long job runs; the first one was removed",
    );
    await app.close();
    closed = true;
    await reading; // the SSE response ended (not aborted by the 15 s signal)
    assert.ok(!seen.some((e) => e.type === "exited"), "the stream ended at shutdown, before any exit");
    assert.deepEqual(await lastValueFrom(lab.client.containers.list$()), [], "no container left");
    const tasks = await lastValueFrom(lab.client.services.tasks.list$({}));
    assert.deepEqual(tasks.tasks, [], "no task left");
    assert.equal(client.callStats.active, 0, "no call of the app's client is open");
    assert.equal(secondClient.callStats.active, 0, "nor of the named client");
    assert.ok(client.callStats.started > 0);
    await assert.rejects(lastValueFrom(client.version$()), /closed/, "the client was closed by the shutdown hook");
  } finally {
    if (!closed) await app.close();
  }
});
