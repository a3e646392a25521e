import type { GlobalEvent, StoredEvent } from '@eventlane/contracts';
import type { Filter } from 'mongodb';
import type { EventsPage, JsonTextEvent, ReadStoreOptions, Scope } from '../eventStore.js';
import type { MongoContext } from './context.js';
import { guard } from './errors.js';
import { COMMITS_PER_QUERY, commitsWanted, fillPage, shiftBounds, toStoredEvent, type EventForm, type PageSpec, type Placed } from './pages.js';
import type { PositionDoc } from './schema.js';
import { nextPosition } from './sequenceOrder.js';
import { currentHandle } from './storeHandle.js';

/**
 * A store's events in global order: position documents (the order, indexed by position, by stream
 * and by type), then their commits by `_id`. Only sequenced events are read: an append is here
 * once the store's sequencer has given it a position (`waitForGlobalOrder`).
 *
 * Unfiltered ascending reads stop at the first hole in the positions: a position is only claimed
 * after the one before it exists, so a hole is one being claimed while we read, and stopping there
 * is what lets a catch-up reader that asks for `last seen + 1` never skip an event. Filtered reads
 * cannot see holes (other positions are skipped on purpose); they rely on the same order of claims
 * and on majority reads: a snapshot that holds a position holds every position before it.
 */
export function readStore(ctx: MongoContext, scope: Scope, options: ReadStoreOptions): Promise<EventsPage<GlobalEvent>>;
export function readStore(ctx: MongoContext, scope: Scope, options: ReadStoreOptions, form: EventForm<JsonTextEvent>): Promise<EventsPage<JsonTextEvent<GlobalEvent>>>;
export function readStore(
  ctx: MongoContext,
  scope: Scope,
  options: ReadStoreOptions,
  form: EventForm<StoredEvent | JsonTextEvent> = toStoredEvent,
): Promise<EventsPage<GlobalEvent | JsonTextEvent<GlobalEvent>>> {
  // Positions exist for every event read here: globalPosition is never null on this path.
  type Read = GlobalEvent | JsonTextEvent<GlobalEvent>;
  return guard(async (): Promise<EventsPage<Read>> => {
    const handle = await currentHandle(ctx, scope);
    const direction = options.sortDirection ?? 'asc';
    const from = Math.max(0, options.fromPosition ?? 0);
    const to = options.toPosition ?? Number.MAX_SAFE_INTEGER;
    const types = options.types && options.types.length > 0 ? options.types : undefined;
    if (!handle) return { events: [], hasMore: false, ...(options.includeCount ? { total: 0 } : {}) };
    const base: Filter<PositionDoc> = { org: scope.org, store: scope.store, inc: handle.inc };
    if (options.streamId !== undefined) base.streamId = options.streamId;
    if (types) base.types = { $in: types };
    const unfiltered = options.streamId === undefined && !types;
    // Every position in bounds is an event of an unfiltered read: the offset moves the bounds.
    const bounds = unfiltered ? shiftBounds(from, to, options.offset ?? 0, direction) : { from, to };
    const spec: PageSpec = {
      direction,
      ...bounds,
      types: types ? new Set(types) : undefined,
      offset: unfiltered ? 0 : (options.offset ?? 0),
      limit: options.limit,
    };
    const page = await fillPage(positionBatches(ctx, base, spec, unfiltered), spec, form);
    const result: EventsPage<Read> = { events: page.events as Read[], hasMore: page.hasMore };
    if (options.includeCount) {
      result.total = unfiltered
        ? Math.max(0, Math.min(to, (await nextPosition(ctx, scope, handle.inc)) - 1) - from + 1)
        : await countMatching(ctx, base, from, to, spec.types);
    }
    return result;
  });
}

/** The positions in read order, a query at a time, with their commits. */
async function* positionBatches(ctx: MongoContext, base: Filter<PositionDoc>, spec: PageSpec, checkHoles: boolean): AsyncGenerator<Placed[]> {
  const ascending = spec.direction === 'asc';
  /** Events yielded so far (all of them count towards an unfiltered page). */
  let taken = 0;
  // Ascending: start at the position that holds `from` (it may start before it).
  let cursor = ascending ? await startOf(ctx, base, spec.from) : spec.to;
  let expected: number | null = checkHoles && ascending ? cursor : null;
  for (;;) {
    // Unfiltered, every event counts towards the page; filtered, matches may be sparse.
    const want = checkHoles ? commitsWanted(spec, taken) : COMMITS_PER_QUERY;
    const positions = await ctx.c.positions
      .find(
        { ...base, g: ascending ? { $gte: cursor, $lte: spec.to } : { $lte: cursor } },
        { sort: { g: ascending ? 1 : -1 }, projection: { _id: 0, g: 1, count: 1, commit: 1 } },
      )
      .limit(want)
      .toArray();
    const inOrder: PositionDoc[] = [];
    let hole = false;
    let past = false;
    for (const p of positions) {
      if (!ascending && p.g + p.count - 1 < spec.from) {
        past = true;
        break;
      }
      if (expected !== null) {
        if (p.g !== expected) {
          hole = true;
          break;
        }
        expected = p.g + p.count;
      }
      inOrder.push(p);
    }
    if (inOrder.length === 0) return;
    const commits = await ctx.c.commits
      .find({ _id: { $in: inOrder.map((p) => p.commit) } })
      .limit(inOrder.length)
      .toArray();
    const byId = new Map(commits.map((c) => [c._id, c]));
    const batch: Placed[] = [];
    for (const p of inOrder) {
      const commit = byId.get(p.commit);
      // A position always follows its commit; a missing one is a hole to stop at.
      if (!commit) {
        hole = true;
        break;
      }
      batch.push({ commit, start: p.g, globalFrom: p.g });
    }
    yield batch;
    taken += batch.reduce((n, b) => n + b.commit.count, 0);
    const last = inOrder[inOrder.length - 1]!;
    if (hole || past || positions.length < want || batch.length < inOrder.length) return;
    cursor = ascending ? last.g + last.count : last.g - 1;
  }
}

/** The first position of the page: the one holding `from` under the read's filter. */
async function startOf(ctx: MongoContext, base: Filter<PositionDoc>, from: number): Promise<number> {
  if (from === 0) return 0;
  const holder = await ctx.c.positions.findOne({ ...base, g: { $lte: from } }, { sort: { g: -1 }, projection: { _id: 0, g: 1, count: 1 } });
  return holder && holder.g + holder.count > from ? holder.g : from;
}

/**
 * Events matching a filtered read (`includeCount`): the positions' type counts summed, a query of
 * 1000 positions at a time: O(matching commits), on the index. The commits at the two ends, which
 * may hold events outside the bounds, are read to count exactly.
 */
async function countMatching(ctx: MongoContext, base: Filter<PositionDoc>, from: number, to: number, types: Set<string> | undefined): Promise<number> {
  let total = 0;
  let cursor = await startOf(ctx, base, from);
  for (;;) {
    const page = await ctx.c.positions
      .find({ ...base, g: { $gte: cursor, $lte: to } }, { sort: { g: 1 }, projection: { _id: 0, g: 1, count: 1, commit: 1, typeCounts: 1 } })
      .limit(1000)
      .toArray();
    for (const p of page) {
      if (p.g < from || p.g + p.count - 1 > to) {
        const commit = await ctx.c.commits.findOne({ _id: p.commit }, { projection: { _id: 0, 'events.type': 1 } });
        commit?.events.forEach((e, i) => {
          if (p.g + i >= from && p.g + i <= to && (!types || types.has(e.type))) total += 1;
        });
      } else {
        for (const { t, n } of p.typeCounts) if (!types || types.has(t)) total += n;
      }
    }
    if (page.length < 1000) return total;
    const last = page[page.length - 1]!;
    cursor = last.g + last.count;
  }
}
