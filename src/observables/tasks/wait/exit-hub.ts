import { Observable, type Subscription } from "rxjs";
import { TaskExit } from "../../../../generated/github.com/containerd/containerd/api/events/task.js";
import type { EventsApi } from "../../../services/events.js";
import { retryWithBackoff, type BackoffConfig } from "../../rx/backoff.js";

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

const EXIT_TYPE = "containerd.events.TaskExit";

/**
 * The client's one shared `/tasks/exit` subscription, reference-counted and demultiplexed by
 * namespace, container id and process id: every `wait$` registers a listener here instead of
 * opening a stream of its own. The stream opens with the first listener and closes
 * {@link EventHub.LINGER_MS} after the last one leaves (so back-to-back waits reuse it), and
 * re-subscribes with capped exponential backoff when it fails (daemon restart).
 * @internal
 */
export class EventHub {
  private readonly listeners = new Map<string, Set<(e: TaskExitEvent) => void>>();
  private size = 0;
  private connection: Subscription | undefined;
  private linger: ReturnType<typeof setTimeout> | undefined;
  private closed = false;
  /** How long the stream stays open without listeners. */
  static readonly LINGER_MS = 2000;
  /** Number of event streams this hub has opened (for tests and diagnostics). */
  streamsOpened = 0;

  constructor(private readonly events: EventsApi, private readonly backoff: BackoffConfig = {}) {}

  /** Exit events of one process. Never errors; completes never (unsubscribe to stop). */
  exits$(namespace: string, containerId: string, id: string): Observable<TaskExitEvent> {
    return new Observable<TaskExitEvent>((subscriber) => {
      const key = `${namespace}\0${containerId}\0${id}`;
      const listener = (e: TaskExitEvent) => subscriber.next(e);
      let set = this.listeners.get(key);
      if (!set) this.listeners.set(key, (set = new Set()));
      set.add(listener);
      this.size++;
      clearTimeout(this.linger);
      if (!this.connection && !this.closed) this.connect();
      return () => {
        set.delete(listener);
        if (set.size === 0) this.listeners.delete(key);
        if (--this.size === 0) {
          this.linger = setTimeout(() => this.disconnect(), EventHub.LINGER_MS);
          this.linger.unref();
        }
      };
    });
  }

  /** Closes the stream for good (the client is closing). */
  close(): void {
    this.closed = true;
    this.disconnect();
  }

  private disconnect(): void {
    clearTimeout(this.linger);
    this.connection?.unsubscribe();
    this.connection = undefined;
  }

  private connect(): void {
    const stream$ = new Observable<void>((subscriber) => {
      this.streamsOpened++;
      return this.events.subscribe$({ filters: ['topic=="/tasks/exit"'] }, { timeoutMs: Infinity }).subscribe({
        next: (env) => {
          if (env.event?.typeUrl !== EXIT_TYPE) return;
          let exit: TaskExit;
          try {
            exit = TaskExit.decode(env.event.value);
          } catch {
            return;
          }
          const e: TaskExitEvent = { namespace: env.namespace, containerId: exit.containerId, id: exit.id,
            pid: exit.pid, exitStatus: exit.exitStatus, exitedAt: exit.exitedAt };
          this.listeners.get(`${e.namespace}\0${e.containerId}\0${e.id}`)?.forEach((l) => l(e));
        },
        error: (err: unknown) => subscriber.error(err),
        complete: () => subscriber.error(new Error("event stream ended")),
      });
    });
    this.connection = stream$.pipe(retryWithBackoff({ maxDelayMs: 2000, ...this.backoff })).subscribe();
  }
}
