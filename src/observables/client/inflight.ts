/**
 * The client's own multi-step operations still running per container (create$, newTask$, exec$
 * transactions, which finish and roll back even after an unsubscribe). A forced removal waits for
 * them first: deleting a container while its Tasks.Create is in flight would orphan the task and
 * its shim (containerd's Containers.Delete does not check for tasks). @internal
 */
export class Inflight {
  private readonly running = new Map<string, Set<Promise<void>>>();

  /** Registers an operation on container `id` of `namespace` until `done` settles. */
  track(namespace: string, id: string, done: Promise<void>): void {
    const key = `${namespace}/${id}`;
    let set = this.running.get(key);
    if (!set) this.running.set(key, (set = new Set()));
    set.add(done);
    void done.finally(() => {
      set.delete(done);
      if (set.size === 0 && this.running.get(key) === set) this.running.delete(key);
    });
  }

  /** Resolves once every operation registered on that container so far has settled. */
  async settled(namespace: string, id: string): Promise<void> {
    await Promise.allSettled([...(this.running.get(`${namespace}/${id}`) ?? [])]);
  }
}
