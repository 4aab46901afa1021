import {
  BehaviorSubject,
  defer,
  distinctUntilChanged,
  filter,
  Observable,
  repeat,
  Subscription,
  timer,
  type SchedulerLike,
} from "rxjs";
import { randomBytes } from "node:crypto";
import { CanceledError, UnavailableError } from "../../../errors/containerd-error.js";
import { isCanceled, isUnavailable } from "../../../errors/guards.js";
import type { EventsApi } from "../../../services/events.js";
import { retryWithBackoff, type BackoffConfig } from "../../rx/backoff.js";
import { EVENT_DECODERS } from "../../../services/event-payloads.js";
import { batched } from "./status-checks.js";

/** A decoded `/tasks/exit` event with its envelope namespace. */
export interface TaskExitEvent {
  readonly namespace: string;
  readonly containerId: string;
  /** The container id for the init process, the exec id for an exec. */
  readonly id: string;
  readonly pid: number;
  readonly exitStatus: number;
  readonly exitedAt: Date | undefined;
}

/**
 * How `wait$` learns of exits (`client.waitMode`):
 * - `"events"`: the shared events stream is confirmed live by a probe event, and a `Tasks.Get`
 *   status check covers exits that happened before; no RPC stays open per wait.
 * - `"rpc"`: the daemon refused the probe (`Events.Publish`), so every pending wait also holds a
 *   `Tasks.Wait` RPC, as the Go client does.
 */
export type WaitMode = "events" | "rpc";

/**
 * Who hears the exits of one process: each exit event, or the hub's closing; and, if it has a
 * `ready` method, each new epoch of the stream (as {@link EventHub.onReady}: at once when added to
 * a live hub, then after every reconnect), without a registration of its own.
 */
export interface ExitListener {
  next(e: TaskExitEvent): void;
  error(err: unknown): void;
  ready?(r: HubReady): void;
}

/** The listeners of one process: one (the common case, no array) or several. */
type Slot = ExitListener | ExitListener[];

/** The hub's stream is usable: each (re)connection gets a new `epoch` once it is confirmed live. */
export interface HubReady {
  readonly mode: WaitMode;
  readonly epoch: number;
}

/** Options of {@link EventHub}. @internal */
export interface EventHubOptions {
  /** Namespace the probe is published in (any valid one; the client's). */
  readonly namespace: string;
  /** Re-subscribing after the stream fails. Default: 100 ms doubling to 2 s, with jitter. */
  readonly backoff?: BackoffConfig;
  /** A probe that has not come back after this long is published again (doubling, at most 1 s). Default 100 ms. */
  readonly probeDelayMs?: number;
  /** Timers (a TestScheduler in marble tests). Default: unref'd `setTimeout`s. */
  readonly scheduler?: SchedulerLike;
  /** Suffix of the probe topic. Default: 8 random bytes in hex. */
  readonly probeId?: string;
  /** How long the stream stays open without listeners. Default {@link EventHub.LINGER_MS}. */
  readonly lingerMs?: number;
}

/** The topic of the hub's probe events (`/rxcontainerd/probe/<id>`). */
export const PROBE_TOPIC_PREFIX = "/rxcontainerd/probe/";
/** The probe's payload type: an empty `google.protobuf.Empty`. */
export const PROBE_TYPE_URL = "types.google.protobuf.Empty";
const EXIT_FILTER = 'topic=="/tasks/exit"';
const TASK_EXIT = "containerd.events.TaskExit";

/**
 * The client's one shared `/tasks/exit` subscription, reference-counted and demultiplexed by
 * namespace, container id and process id: every `wait$` registers a listener here instead of
 * opening a stream of its own.
 *
 * - The stream opens with the first listener and closes `lingerMs` after the last one leaves.
 * - **Confirmed live before it is trusted.** containerd's `Subscribe` answers nothing when it has
 *   registered the subscriber, so after subscribing the hub publishes a probe event
 *   (`Events.Publish`, topic `/rxcontainerd/probe/<id>`, an empty `google.protobuf.Empty`) that its
 *   own filter lets through, and re-publishes it every `probeDelayMs` (doubling, at most 1 s) until
 *   one comes back. containerd's exchange delivers to a subscriber in publish order once it is
 *   registered, so every event published after that probe reaches the hub. Then
 *   {@link EventHub.ready$} emits a new epoch.
 * - Re-subscribes with capped exponential backoff when the stream fails (a daemon restart),
 *   once for all waits, and probes again.
 * - If the daemon refuses the probe (any error but UNAVAILABLE or CANCELLED, e.g. PermissionDenied
 *   behind an authorising proxy, Unimplemented), the hub switches to `"rpc"` mode: it still
 *   delivers the exits it sees, and ready$ emits once the stream has stayed up `probeDelayMs`, but
 *   waits must not trust it alone.
 * @internal
 */
export class EventHub {
  /** How long the stream stays open without listeners, by default. */
  static readonly LINGER_MS = 2000;
  /** Number of event streams this hub has opened (for tests and diagnostics). */
  streamsOpened = 0;
  /** Number of probes this hub has published (for tests and diagnostics). */
  probesPublished = 0;
  /** The topic of this hub's probes. */
  readonly probeTopic: string;
  /** namespace -> process key ({@link processKey}) -> listeners. */
  private readonly listeners = new Map<string, Map<string, Slot>>();
  private readonly readyListeners = new Set<(r: HubReady) => void>();
  private size = 0;
  private connection: Subscription | undefined;
  private connectPending = false;
  private linger: Subscription | undefined;
  private closed = false;
  private epochs = 0;
  private lastMode: WaitMode | undefined;
  private readonly state = new BehaviorSubject<HubReady | undefined>(undefined);

  constructor(
    private readonly events: Pick<EventsApi, "subscribe$" | "publish$">,
    private readonly options: EventHubOptions,
  ) {
    this.probeTopic = `${PROBE_TOPIC_PREFIX}${options.probeId ?? randomBytes(8).toString("hex")}`;
  }

  /**
   * Emits (the current one at once, then each new one) every time the stream is confirmed live:
   * after the first connection and after every reconnect. Waits check the status of their process
   * on each emission. Completes when the hub is closed.
   */
  get ready$(): Observable<HubReady> {
    return this.state.pipe(
      filter((s): s is HubReady => s !== undefined),
      distinctUntilChanged((a, b) => a.epoch === b.epoch),
    );
  }

  /** The mode of the current (or last) connection; undefined before the first one was confirmed. */
  get mode(): WaitMode | undefined {
    return this.lastMode;
  }

  /**
   * Exit events of one process, from the moment of subscription (the stream opens if it was
   * closed). Errors with CanceledError when the hub is closed; otherwise never ends (unsubscribe).
   */
  exits$(namespace: string, containerId: string, id: string): Observable<TaskExitEvent> {
    return new Observable<TaskExitEvent>((subscriber) => this.listen(namespace, containerId, id, subscriber));
  }

  /**
   * The callback form of {@link EventHub.exits$} (no Observable per listener): `listener` hears
   * the exit events of one process until the returned function is called; the stream opens if it
   * was closed. A closed hub errors the listener at once.
   */
  listen(namespace: string, containerId: string, id: string, listener: ExitListener): () => void {
    this.add(namespace, containerId, id, listener);
    return () => this.remove(namespace, containerId, id, listener);
  }

  /**
   * {@link EventHub.listen} without the closure: `listener` hears the exits of the process until
   * {@link EventHub.remove} with the same arguments. A listener with a `ready` method is called at
   * once if the stream is live. The stream is opened (and the probe published) in a microtask (on
   * the scheduler, when there is one), not in the caller's synchronous run: the listener is
   * registered first, and the stream is trusted only once its probe came back anyway.
   */
  add(namespace: string, containerId: string, id: string, listener: ExitListener): void {
    if (this.closed) return listener.error(closedError());
    let byProcess = this.listeners.get(namespace);
    if (!byProcess) this.listeners.set(namespace, (byProcess = new Map()));
    const key = processKey(containerId, id);
    const slot = byProcess.get(key);
    if (slot === undefined) byProcess.set(key, listener);
    else if (Array.isArray(slot)) slot.push(listener);
    else byProcess.set(key, [slot, listener]);
    this.size++;
    if (this.linger) {
      this.linger.unsubscribe();
      this.linger = undefined;
    }
    if (!this.connection && !this.connectPending) this.connectSoon();
    if (listener.ready) {
      const now = this.state.value;
      if (now) listener.ready(now);
    }
  }

  /** Removes a listener added with {@link EventHub.add}; a listener not (or no longer) there is ignored. */
  remove(namespace: string, containerId: string, id: string, listener: ExitListener): void {
    const byProcess = this.listeners.get(namespace);
    if (!byProcess) return;
    const key = processKey(containerId, id);
    const slot = byProcess.get(key);
    if (slot === listener) byProcess.delete(key);
    else if (!Array.isArray(slot)) return;
    else {
      const i = slot.indexOf(listener);
      if (i < 0) return;
      slot.splice(i, 1);
      if (slot.length === 1) byProcess.set(key, slot[0]!);
    }
    if (byProcess.size === 0) this.listeners.delete(namespace);
    if (--this.size === 0 && !this.closed) {
      this.linger = this.after(this.options.lingerMs ?? EventHub.LINGER_MS, () => this.disconnect());
    }
  }

  /**
   * The callback form of {@link EventHub.ready$}: `fn` is called with the current epoch at once
   * if the stream is live, then on every new one, until the returned function is called. The
   * status checks that the callbacks of one epoch ask for are issued together (batched).
   */
  onReady(fn: (r: HubReady) => void): () => void {
    this.readyListeners.add(fn);
    const now = this.state.value;
    if (now) fn(now);
    return () => {
      this.readyListeners.delete(fn);
    };
  }

  /** Closes the stream for good (the client is closing): pending listeners error with CanceledError. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.disconnect();
    const pending = this.all();
    this.listeners.clear();
    this.readyListeners.clear();
    this.size = 0;
    for (const s of pending) s.error(closedError());
    this.state.complete();
  }

  /** Every listener, in a new array. */
  private all(): ExitListener[] {
    const out: ExitListener[] = [];
    for (const byProcess of this.listeners.values())
      for (const slot of byProcess.values()) {
        if (Array.isArray(slot)) out.push(...slot);
        else out.push(slot);
      }
    return out;
  }

  /** Opens the stream in a microtask (on the scheduler's clock when there is one), if still wanted then. */
  private connectSoon(): void {
    this.connectPending = true;
    const go = () => {
      this.connectPending = false;
      if (!this.closed && !this.connection && this.size > 0) this.connect();
    };
    if (this.options.scheduler) this.options.scheduler.schedule(go);
    else queueMicrotask(go);
  }

  private disconnect(): void {
    this.linger?.unsubscribe();
    this.linger = undefined;
    this.connection?.unsubscribe();
    this.connection = undefined;
  }

  /** A timer on the hub's scheduler, or an unref'd setTimeout (a lingering stream must not keep node alive). */
  private after(ms: number, action: () => void): Subscription {
    if (this.options.scheduler) return timer(ms, this.options.scheduler).subscribe(action);
    const t = setTimeout(action, ms);
    t.unref();
    return new Subscription(() => clearTimeout(t));
  }

  private connect(): void {
    const stream$ = new Observable<void>((subscriber) => {
      this.streamsOpened++;
      let epoch = 0;
      let live = false;
      let probing: Subscription | undefined;
      let settle: Subscription | undefined;
      const ready = (mode: WaitMode) => {
        live = true;
        epoch = ++this.epochs;
        probing?.unsubscribe();
        this.lastMode = mode;
        const r = { mode, epoch };
        this.state.next(r);
        batched(() => {
          for (const fn of [...this.readyListeners]) if (this.readyListeners.has(fn)) fn(r);
          for (const l of this.all()) l.ready?.(r);
        });
        subscriber.next(); // resets the reconnect backoff
      };
      const stream = this.events
        .subscribe$({ filters: [EXIT_FILTER, `topic==${JSON.stringify(this.probeTopic)}`] }, { timeoutMs: Infinity })
        .subscribe({
          next: (raw) => {
            if (raw.topic === this.probeTopic) {
              if (!live) ready("events");
              return;
            }
            // Only the TaskExit payload is decoded (no Envelope object), and only for a namespace
            // with waits: this is on every exit's path.
            const byProcess = this.listeners.get(raw.namespace);
            if (!byProcess || raw.event?.typeUrl !== TASK_EXIT) return;
            let x: ReturnType<(typeof EVENT_DECODERS)[typeof TASK_EXIT]["decode"]>;
            try {
              x = EVENT_DECODERS[TASK_EXIT].decode(raw.event.value);
            } catch {
              return; // undecodable bytes: no exit to deliver
            }
            const slot = byProcess.get(processKey(x.containerId, x.id));
            if (!slot) return;
            const e: TaskExitEvent = {
              namespace: raw.namespace,
              containerId: x.containerId,
              id: x.id,
              pid: x.pid,
              exitStatus: x.exitStatus,
              exitedAt: x.exitedAt,
            };
            if (Array.isArray(slot)) for (const s of [...slot]) s.next(e);
            else slot.next(e);
          },
          error: (err: unknown) => subscriber.error(err),
          complete: () => subscriber.error(new UnavailableError("the events stream ended")),
        });
      const scheduler = this.options.scheduler;
      const delayMs = this.options.probeDelayMs ?? 100;
      const publish$ = defer(() => {
        this.probesPublished++;
        return this.events.publish$(
          { topic: this.probeTopic, event: { typeUrl: PROBE_TYPE_URL, value: Buffer.alloc(0) } },
          { namespace: this.options.namespace },
        );
      });
      if (!stream.closed) {
        probing = publish$
          .pipe(
            repeat({
              delay: (n) =>
                scheduler
                  ? timer(Math.min(1000, delayMs * 2 ** (n - 1)), scheduler)
                  : new Observable<void>((s) =>
                      this.after(Math.min(1000, delayMs * 2 ** (n - 1)), () => {
                        s.next();
                        s.complete();
                      }),
                    ),
            }),
          )
          .subscribe({
            error: (err: unknown) => {
              // UNAVAILABLE (the daemon went away) or CANCELLED: the stream fails too; reconnect.
              if (isUnavailable(err) || isCanceled(err)) return subscriber.error(err);
              // The daemon refuses the probe: fall back to Tasks.Wait once the stream stayed up a moment.
              settle = this.after(delayMs, () => {
                if (!live) ready("rpc");
              });
            },
          });
      }
      return () => {
        stream.unsubscribe();
        probing?.unsubscribe();
        settle?.unsubscribe();
        if (live && this.state.value?.epoch === epoch && !this.state.closed) this.state.next(undefined);
      };
    });
    this.connection = stream$
      .pipe(
        retryWithBackoff({
          maxDelayMs: 2000,
          ...this.options.backoff,
          ...(this.options.scheduler ? { scheduler: this.options.scheduler } : {}),
        }),
      )
      .subscribe();
  }
}

/** The key of a process among a namespace's listeners: the container id for an init process. */
const processKey = (containerId: string, id: string): string =>
  id === containerId ? containerId : `${containerId}\0${id}`;

const closedError = () => new CanceledError("the client was closed while waiting for the exit");
