/**
 * A least-recently-used map bounded both in entries and in the total size of its values (bytes,
 * as `sizeOf` measures them). The oldest entries go first when a bound is passed. A value bigger
 * than a quarter of `maxSize` is not kept: one entry must not empty the cache.
 * @internal
 */
export class SizedLru<V> {
  private readonly entries = new Map<string, { readonly value: V; readonly size: number }>();
  private total = 0;

  constructor(
    private readonly maxEntries: number,
    private readonly maxSize: number,
    private readonly sizeOf: (value: V) => number,
  ) {}

  /** The value kept for `key`, now the most recently used; undefined if none. */
  get(key: string): V | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    this.entries.delete(key);
    this.entries.set(key, e);
    return e.value;
  }

  /** Keeps `value` under `key`, unless the key is kept already or the value is too big. */
  set(key: string, value: V): void {
    const size = this.sizeOf(value);
    if (size > this.maxSize / 4 || this.entries.has(key)) return;
    this.entries.set(key, { value, size });
    this.total += size;
    for (const [k, e] of this.entries) {
      if (this.entries.size <= this.maxEntries && this.total <= this.maxSize) break;
      this.entries.delete(k);
      this.total -= e.size;
    }
  }

  /** The number of entries kept. */
  get size(): number {
    return this.entries.size;
  }
}
