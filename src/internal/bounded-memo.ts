/**
 * A memo of recent values that empties itself when full: bounded memory with no per-entry
 * bookkeeping, for caches whose keys repeat in bursts (a run's vocabulary, a prompt's lines).
 */
export class BoundedMemo<K, V> extends Map<K, V> {
  /** A memo of at most `limit` entries. */
  constructor(private readonly limit: number) {
    super();
  }

  /** Stores `value` under `key`, emptying the memo first when it is full; returns `value`. */
  remember(key: K, value: V): V {
    if (this.size >= this.limit) this.clear();
    this.set(key, value);
    return value;
  }
}
