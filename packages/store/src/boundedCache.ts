/**
 * A least-recently-used map bounded by an estimate of the bytes it holds, not by a count: a cache
 * of stream versions keyed by long stream ids must not grow past its budget because the ids are
 * long. Entries cost their key's UTF-16 size plus a fixed overhead for the Map entry and the value.
 *
 * Only ever an optimisation: every user of it must be correct on a miss.
 *
 * @example
 * const versions = new BoundedCache<number>(16 * 1024 * 1024);
 * versions.set('acme:orders:1:order-1', 3);
 * versions.get('acme:orders:1:order-1'); // 3
 */
export class BoundedCache<V> {
  /** Map entry, hash slot and a small value, measured roughly with --expose-gc on Node 20. */
  static readonly ENTRY_OVERHEAD_BYTES = 96;
  private readonly entries = new Map<string, V>();
  private bytes = 0;

  constructor(
    readonly maxBytes: number,
    private readonly valueBytes: (value: V) => number = () => 16,
  ) {}

  /** Bytes held now, by the same estimate as the bound. */
  get size(): number {
    return this.bytes;
  }

  get count(): number {
    return this.entries.size;
  }

  get(key: string): V | undefined {
    const value = this.entries.get(key);
    if (value !== undefined) {
      // Re-insert: Map iteration order is insertion order, so the oldest entry is the least recently used.
      this.entries.delete(key);
      this.entries.set(key, value);
    }
    return value;
  }

  set(key: string, value: V): void {
    this.delete(key);
    const cost = this.cost(key, value);
    if (cost > this.maxBytes) return;
    this.entries.set(key, value);
    this.bytes += cost;
    while (this.bytes > this.maxBytes) {
      const oldest = this.entries.keys().next();
      if (oldest.done) break;
      this.delete(oldest.value);
    }
  }

  delete(key: string): void {
    const value = this.entries.get(key);
    if (value === undefined) return;
    this.entries.delete(key);
    this.bytes -= this.cost(key, value);
  }

  /** Drops every entry whose key starts with `prefix` (e.g. a deleted store's). */
  deletePrefix(prefix: string): void {
    for (const key of [...this.entries.keys()]) if (key.startsWith(prefix)) this.delete(key);
  }

  private cost(key: string, value: V): number {
    return key.length * 2 + BoundedCache.ENTRY_OVERHEAD_BYTES + this.valueBytes(value);
  }
}
