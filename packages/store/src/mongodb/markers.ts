import type { MongoContext } from './context.js';
import { isDuplicateKeyCode, isDuplicateKeyError, retryTransient, writeErrorsOf } from './errors.js';
import { MongoBulkWriteError } from 'mongodb';
import type { CommitMeta } from './schema.js';

/**
 * Markers: a commit without a global position yet. The append writes its commits' markers right
 * after the commits (and waits for them before answering); the sequencer reads them, gives
 * positions, and deletes them. A marker is only a hint (the sequencer skips one whose commit is
 * sequenced already), so writing one twice is harmless.
 *
 * What keeps every commit marked, short of a crash: this book. Commits are entered before their
 * insert and leave once their marker is written (or their insert failed); a failed marker write is
 * retried in the background. An instance's heartbeat publishes the oldest commit still in the book,
 * so that when the instance dies, a survivor marks its commits from that time on (instances.ts).
 */
export class MarkerBook {
  private readonly entries = new Map<string, { meta: CommitMeta; known: boolean; since: number }>();

  /** Before the insert: the commit may exist from now on. */
  enter(meta: CommitMeta): void {
    this.entries.set(meta._id, { meta, known: false, since: Date.now() });
  }

  /** The insert succeeded. */
  known(id: string): void {
    const entry = this.entries.get(id);
    if (entry) entry.known = true;
  }

  /** Marked, or certainly not inserted. */
  leave(id: string): void {
    this.entries.delete(id);
  }

  /** Commits created before this are marked (or were never inserted). */
  cleanUntil(now = new Date()): Date {
    let oldest = now.getTime();
    for (const { meta } of this.entries.values()) oldest = Math.min(oldest, meta.createdAt.getTime());
    return new Date(oldest);
  }

  /** Whether a commit of this store incarnation created before `before` still waits for its marker. */
  holds(scope: { org: string; store: string }, inc: string, before: number): boolean {
    for (const { meta } of this.entries.values()) {
      if (meta.org === scope.org && meta.store === scope.store && meta.inc === inc && meta.createdAt.getTime() < before) return true;
    }
    return false;
  }

  /** Entries older than `ageMs` (an append's own entries are younger while it runs). */
  stale(ageMs: number): Array<{ meta: CommitMeta; known: boolean; since: number }> {
    const before = Date.now() - ageMs;
    return [...this.entries.values()].filter((e) => e.since < before);
  }
}

/** Inserts markers; one that exists already is fine. */
export async function insertMarkers(ctx: MongoContext, metas: CommitMeta[]): Promise<void> {
  if (metas.length === 0) return;
  try {
    // Markers are hints: a retry that meets its own earlier insert collides, which is fine.
    await retryTransient(async () => {
      if (metas.length === 1) await ctx.c.markers.insertOne(metas[0]!);
      else await ctx.c.markers.insertMany(metas, { ordered: false });
    });
  } catch (error) {
    if (error instanceof MongoBulkWriteError) {
      const errors = writeErrorsOf(error);
      if (errors.length > 0 && errors.every((e) => isDuplicateKeyCode(e.code))) return;
    } else if (isDuplicateKeyError(error)) return;
    throw error;
  }
}

/** Writes the markers of commits that are in the database, and takes them out of the book. */
export async function markCommits(ctx: MongoContext, book: MarkerBook, metas: CommitMeta[]): Promise<void> {
  await insertMarkers(ctx, metas);
  for (const meta of metas) book.leave(meta._id);
}

/** How long a commit whose insert had no definite answer is looked for before it is given up. */
const UNKNOWN_INSERT_PATIENCE_MS = 60_000;

/**
 * Background repair of the book: writes the markers that failed, and looks for commits whose
 * insert had no definite answer (a network error): marked if found, forgotten after a minute.
 */
export async function retryMarkers(ctx: MongoContext, book: MarkerBook): Promise<void> {
  const stale = book.stale(2_000);
  if (stale.length === 0) return;
  const known = stale.filter((e) => e.known).map((e) => e.meta);
  const unknown = stale.filter((e) => !e.known).slice(0, 500);
  if (unknown.length > 0) {
    const found = await ctx.c.commits
      .find({ _id: { $in: unknown.map((e) => e.meta._id) } }, { projection: { _id: 1 } })
      .limit(unknown.length)
      .toArray();
    const exists = new Set(found.map((f) => f._id));
    for (const entry of unknown) {
      if (exists.has(entry.meta._id)) known.push(entry.meta);
      else if (Date.now() - entry.since > UNKNOWN_INSERT_PATIENCE_MS) book.leave(entry.meta._id);
    }
  }
  await markCommits(ctx, book, known);
}

