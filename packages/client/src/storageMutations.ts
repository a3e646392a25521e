import { Dexie, cmp, type IndexableType, type IntervalTree, type IntervalTreeNode, type ObservabilitySet } from 'dexie';

/**
 * What one committed write transaction touched in one database, from Dexie's `storagemutated`
 * event: the same signal `liveQuery` runs on, fired in this tab and (through Dexie's
 * BroadcastChannel) for writes made in other tabs. It names the keys that may have changed, not
 * the changes: readers re-read what concerns them.
 */
export interface DbMutation {
  /** Everything may have changed (e.g. a page restored from the back/forward cache). */
  readonly all: boolean;
  /**
   * The keys touched in `table`, by index: `''` holds primary keys of written or deleted rows,
   * `':dels'` those whose old value Dexie did not know, any other name that index's keys.
   */
  part(table: string, index: string): IntervalTree | undefined;
}

/** Calls `listener` after each write transaction that touched `db`; returns the unsubscribe function. */
export function onStorageMutated(db: Dexie, listener: (mutation: DbMutation) => void): () => void {
  const prefix = `idb://${db.name}/`;
  const handler = (parts: ObservabilitySet) => {
    const all = 'all' in parts;
    if (!all && !Object.keys(parts).some((part) => part.startsWith(prefix))) return;
    // Out of any transaction zone: the listener runs from the committing transaction's `complete`.
    Dexie.ignoreTransaction(() => listener({ all, part: (table, index) => parts[`${prefix}${table}/${index}`] }));
  };
  Dexie.on.storagemutated.subscribe(handler);
  return () => Dexie.on.storagemutated.unsubscribe(handler);
}

/** The ranges of an interval tree, in order. */
export function rangesOf(tree: IntervalTree | undefined): IntervalTreeNode[] {
  const ranges: IntervalTreeNode[] = [];
  const walk = (node: IntervalTree | null | undefined) => {
    if (!node || !('from' in node)) return;
    walk(node.l);
    ranges.push(node);
    walk(node.r);
  };
  walk(tree);
  return ranges;
}

/** Whether `key` lies in one of the tree's ranges. */
export function treeHas(tree: IntervalTree | undefined, key: IndexableType): boolean {
  return rangesOf(tree).some((range) => cmp(range.from, key) <= 0 && cmp(key, range.to) <= 0);
}

/**
 * The numeric keys among `candidates` that lie in the tree's ranges. Single keys are looked up,
 * so a write of a few rows costs a few lookups however many candidates there are; only a wide
 * range (a bulk write or a range delete) walks the candidates.
 */
export function keysIn(tree: IntervalTree | undefined, candidates: ReadonlyMap<number, unknown>): number[] {
  const found = new Set<number>();
  for (const range of rangesOf(tree)) {
    if (cmp(range.from, range.to) === 0) {
      if (typeof range.from === 'number' && candidates.has(range.from)) found.add(range.from);
      continue;
    }
    for (const key of candidates.keys()) if (cmp(range.from, key) <= 0 && cmp(key, range.to) <= 0) found.add(key);
  }
  return [...found];
}
