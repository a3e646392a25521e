import type { Filter, Sort } from 'mongodb';
import type { ListStreamsOptions, Scope, StreamsPage } from '../eventStore.js';
import { globToRegExp } from '../glob.js';
import type { MongoContext } from './context.js';
import { guard } from './errors.js';
import type { StreamDoc } from './schema.js';
import { currentHandle } from './storeHandle.js';

const SORT_FIELDS = { streamId: 'streamId', createdAt: 'createdAt', updatedAt: 'updatedAt' } as const;

/**
 * Streams of a store from their head documents, sorted by `sortBy` (default `streamId`), ascending
 * unless asked; each sort has its index (stream, stream_type, created, updated), a glob is a
 * `$regex` on the indexed stream id. A head lags only when a commit's process died between the
 * commit and the head update; the stream's next append repairs it. `includeCount` counts the
 * matching heads on the index: O(matching streams).
 */
export async function listStreams(ctx: MongoContext, scope: Scope, options: ListStreamsOptions): Promise<StreamsPage> {
  return guard(async () => {
    const handle = await currentHandle(ctx, scope);
    if (!handle) return { streams: [], hasMore: false, ...(options.includeCount ? { total: 0 } : {}) };
    const filter: Filter<StreamDoc> = { org: scope.org, store: scope.store, inc: handle.inc };
    if (options.streamType !== undefined) filter.streamType = options.streamType;
    if (options.streamIdPattern !== undefined) filter.streamId = { $regex: globToRegExp(options.streamIdPattern).source };
    const direction: 1 | -1 = options.sortDirection === 'desc' ? -1 : 1;
    const field = SORT_FIELDS[options.sortBy ?? 'streamId'];
    const sort: Sort = field === 'streamId' ? { streamId: direction } : { [field]: direction, streamId: direction };
    const offset = options.offset ?? 0;
    const [docs, total] = await Promise.all([
      ctx.c.streams
        .find(filter, { sort, skip: offset, limit: options.limit + 1, projection: { _id: 0 } })
        .toArray(),
      options.includeCount ? ctx.c.streams.countDocuments(filter) : Promise.resolve(undefined),
    ]);
    const streams = docs.slice(0, options.limit).map((d) => ({
      streamId: d.streamId,
      streamType: d.streamType,
      streamVersion: d.version,
      createdAt: d.createdAt.toISOString(),
      updatedAt: d.updatedAt.toISOString(),
    }));
    const hasMore = docs.length > options.limit;
    return total === undefined ? { streams, hasMore } : { streams, total, hasMore };
  });
}
