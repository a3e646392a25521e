import type { EventsPage, ReadStreamOptions, Scope } from '../eventStore.js';
import { readStreamVersion } from './storeState.js';
import type { MongoContext } from './context.js';
import { guard } from './errors.js';
import { countMatches, overlapFilter, scanPage, shiftBounds, type ScanSpec } from './scanCommits.js';

/**
 * A stream's events by stream position. The version is read first and bounds the page, so the
 * events and `currentStreamVersion` agree even while writers append.
 */
export async function readStream(
  ctx: MongoContext,
  scope: Scope,
  streamId: string,
  options: ReadStreamOptions,
): Promise<EventsPage & { currentStreamVersion: number }> {
  return guard(async () => {
    const currentStreamVersion = await readStreamVersion(ctx, scope, streamId);
    const direction = options.sortDirection ?? 'asc';
    const offset = options.offset ?? 0;
    const from = Math.max(0, options.fromPosition ?? 0);
    const to = Math.min(options.toPosition ?? Number.MAX_SAFE_INTEGER, currentStreamVersion - 1);
    const types = options.types && options.types.length > 0 ? new Set(options.types) : undefined;
    const spec = (bounds: { from: number; to: number }): ScanSpec => ({
      filter: { org: scope.org, store: scope.store, streamId, ...overlapFilter('stream', bounds.from, bounds.to) },
      chain: 'stream',
      direction,
      ...bounds,
      types,
    });
    // Without a type filter every position in bounds is an event, so the offset moves the bounds.
    const page = types
      ? await scanPage(ctx, spec({ from, to }), { limit: options.limit, offset })
      : await scanPage(ctx, spec(shiftBounds(from, to, offset, direction)), { limit: options.limit, offset: 0 });
    if (!options.includeCount) return { ...page, currentStreamVersion };
    const total = types ? await countMatches(ctx, spec({ from, to })) : Math.max(0, to - from + 1);
    return { ...page, total, currentStreamVersion };
  });
}
