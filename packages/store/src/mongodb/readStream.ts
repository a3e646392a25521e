import type { StoredEvent } from '@eventlane/contracts';
import type { EventsPage, JsonTextEvent, ReadStreamOptions, Scope } from '../eventStore.js';
import type { MongoContext } from './context.js';
import { guard } from './errors.js';
import { COMMITS_PER_QUERY, commitsWanted, fillPage, shiftBounds, toStoredEvent, type EventForm, type PageSpec, type Placed } from './pages.js';
import type { CommitDoc } from './schema.js';
import { currentHandle } from './storeHandle.js';
import { chainEnd } from './streamHeads.js';

/**
 * A stream's events by stream position, from its commit chain. The chain's end is read first and
 * bounds the page, so the events and `currentStreamVersion` agree while writers append. Each
 * event's global position comes from the position documents; `null` for commits the sequencer has
 * not reached yet.
 */
export function readStream(ctx: MongoContext, scope: Scope, streamId: string, options: ReadStreamOptions): Promise<EventsPage & { currentStreamVersion: number }>;
export function readStream(
  ctx: MongoContext,
  scope: Scope,
  streamId: string,
  options: ReadStreamOptions,
  form: EventForm<JsonTextEvent>,
): Promise<EventsPage<JsonTextEvent> & { currentStreamVersion: number }>;
export function readStream(
  ctx: MongoContext,
  scope: Scope,
  streamId: string,
  options: ReadStreamOptions,
  form: EventForm<StoredEvent | JsonTextEvent> = toStoredEvent,
): Promise<EventsPage<StoredEvent | JsonTextEvent> & { currentStreamVersion: number }> {
  return guard(async () => {
    const handle = await currentHandle(ctx, scope);
    if (!handle) return { events: [], hasMore: false, currentStreamVersion: 0, ...(options.includeCount ? { total: 0 } : {}) };
    const { inc } = handle;
    const currentStreamVersion = await chainEnd(ctx, scope, inc, streamId);
    const direction = options.sortDirection ?? 'asc';
    const offset = options.offset ?? 0;
    const from = Math.max(0, options.fromPosition ?? 0);
    const to = Math.min(options.toPosition ?? Number.MAX_SAFE_INTEGER, currentStreamVersion - 1);
    const types = options.types && options.types.length > 0 ? new Set(options.types) : undefined;
    // Without a type filter every position in bounds is an event, so the offset moves the bounds.
    const spec: PageSpec = types
      ? { direction, from, to, types, offset, limit: options.limit }
      : { direction, ...shiftBounds(from, to, offset, direction), offset: 0, limit: options.limit };
    const page = await fillPage(chainBatches(ctx, scope, inc, streamId, spec), spec, form);
    if (!options.includeCount) return { ...page, currentStreamVersion };
    const total = types ? await countTypes(ctx, scope, inc, streamId, from, to, types) : Math.max(0, to - from + 1);
    return { ...page, total, currentStreamVersion };
  });
}

/** The stream's commits in read order, a query at a time, with their global positions. */
async function* chainBatches(ctx: MongoContext, scope: Scope, inc: string, streamId: string, spec: PageSpec): AsyncGenerator<Placed[]> {
  if (spec.from > spec.to) return;
  const stream = { org: scope.org, store: scope.store, inc, streamId };
  const ascending = spec.direction === 'asc';
  let cursor = ascending ? await startOf(ctx, stream, spec.from) : spec.to;
  let taken = 0;
  for (;;) {
    const want = spec.types ? COMMITS_PER_QUERY : commitsWanted(spec, taken);
    const commits = await ctx.c.commits
      .find({ ...stream, fromVersion: ascending ? { $gte: cursor, $lte: spec.to } : { $lte: cursor } }, { sort: { fromVersion: ascending ? 1 : -1 } })
      .limit(want)
      .toArray();
    const inRange = ascending ? commits : commits.filter((c) => c.toVersion >= spec.from);
    if (inRange.length === 0) return;
    yield await withGlobalPositions(ctx, stream, inRange);
    taken += inRange.reduce((n, c) => n + c.count, 0);
    const last = inRange[inRange.length - 1]!;
    if (commits.length < want || inRange.length < commits.length) return;
    cursor = ascending ? last.toVersion + 1 : last.fromVersion - 1;
    if (cursor < 0) return;
  }
}

/** The first commit of the page: the one holding `from` (it may start before it). */
async function startOf(ctx: MongoContext, stream: { org: string; store: string; inc: string; streamId: string }, from: number): Promise<number> {
  if (from === 0) return 0;
  const holder = await ctx.c.commits.findOne({ ...stream, fromVersion: { $lte: from } }, { sort: { fromVersion: -1 }, projection: { _id: 0, fromVersion: 1 } });
  return holder?.fromVersion ?? from;
}

async function withGlobalPositions(
  ctx: MongoContext,
  stream: { org: string; store: string; inc: string; streamId: string },
  commits: CommitDoc[],
): Promise<Placed[]> {
  const positions = await ctx.c.positions
    .find({ ...stream, fromVersion: { $in: commits.map((c) => c.fromVersion) } }, { projection: { _id: 0, fromVersion: 1, g: 1 } })
    .limit(commits.length)
    .toArray();
  const g = new Map(positions.map((p) => [p.fromVersion, p.g]));
  return commits.map((commit) => ({ commit, start: commit.fromVersion, globalFrom: g.get(commit.fromVersion) ?? null }));
}

/** Events of the given types in [from, to] of the stream: the chain's types, 1000 commits a query. */
async function countTypes(ctx: MongoContext, scope: Scope, inc: string, streamId: string, from: number, to: number, types: Set<string>): Promise<number> {
  const stream = { org: scope.org, store: scope.store, inc, streamId };
  let total = 0;
  let cursor = await startOf(ctx, stream, from);
  for (;;) {
    const commits = await ctx.c.commits
      .find({ ...stream, fromVersion: { $gte: cursor, $lte: to } }, { sort: { fromVersion: 1 }, projection: { _id: 0, fromVersion: 1, toVersion: 1, 'events.type': 1 } })
      .limit(1000)
      .toArray();
    for (const c of commits) {
      c.events.forEach((e, i) => {
        const position = c.fromVersion + i;
        if (position >= from && position <= to && types.has(e.type)) total += 1;
      });
    }
    if (commits.length < 1000) return total;
    cursor = commits[commits.length - 1]!.toVersion + 1;
  }
}
