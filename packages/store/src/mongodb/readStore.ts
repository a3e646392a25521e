import type { GlobalEvent } from '@eventlane/contracts';
import type { EventsPage, ReadStoreOptions, Scope } from '../eventStore.js';
import { readNextGlobal } from './storeState.js';
import type { MongoContext } from './context.js';
import { guard } from './errors.js';
import { countMatches, overlapFilter, scanPage, shiftBounds, type ScanSpec } from './scanCommits.js';

/**
 * A store's events in global order. Without a stream filter the scan walks the store chain; with
 * one it walks that stream's chain, whose commits are in global order too (a stream's next commit
 * is inserted after its previous one exists, so it takes a later global position).
 */
export async function readStore(ctx: MongoContext, scope: Scope, options: ReadStoreOptions): Promise<EventsPage<GlobalEvent>> {
  return guard(async (): Promise<EventsPage<GlobalEvent>> => {
    const direction = options.sortDirection ?? 'asc';
    const offset = options.offset ?? 0;
    const from = Math.max(0, options.fromPosition ?? 0);
    const to = options.toPosition ?? Number.MAX_SAFE_INTEGER;
    const types = options.types && options.types.length > 0 ? new Set(options.types) : undefined;
    const streamId = options.streamId;
    const spec = (bounds: { from: number; to: number }): ScanSpec => ({
      filter: {
        org: scope.org,
        store: scope.store,
        ...(streamId === undefined ? {} : { streamId }),
        ...overlapFilter('global', bounds.from, bounds.to),
      },
      chain: 'global',
      // One stream's global positions jump; its own chain has consecutive positions to check.
      order: streamId === undefined ? 'global' : 'stream',
      direction,
      ...bounds,
      types,
    });
    if (streamId === undefined && !types) {
      // Every global position in bounds is an event of the store: the offset moves the bounds.
      const shifted = shiftBounds(from, to, offset, direction);
      const page = (await scanPage(ctx, spec(shifted), { limit: options.limit, offset: 0 })) as EventsPage<GlobalEvent>;
      if (!options.includeCount) return page;
      const last = (await readNextGlobal(ctx, scope)) - 1;
      return { ...page, total: Math.max(0, Math.min(to, last) - from + 1) };
    }
    const page = (await scanPage(ctx, spec({ from, to }), { limit: options.limit, offset })) as EventsPage<GlobalEvent>;
    if (!options.includeCount) return page;
    return { ...page, total: await countMatches(ctx, spec({ from, to })) };
  });
}

