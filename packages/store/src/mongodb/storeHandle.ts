import { randomBytes } from 'node:crypto';
import type { Scope } from '../eventStore.js';
import type { MongoContext, StoreHandle } from './context.js';
import { isDuplicateKeyError, retryTransient } from './errors.js';
import { storeKey, type StoreDoc } from './schema.js';

/** A fresh incarnation id: 12 random hex characters. */
export function newIncarnation(): string {
  return randomBytes(6).toString('hex');
}

/** The fields a store document starts with; its counters at zero. */
export function newStoreDoc(scope: Scope, description: string | null): StoreDoc {
  return {
    _id: storeKey(scope),
    org: scope.org,
    store: scope.store,
    inc: newIncarnation(),
    description,
    createdAt: new Date(),
    countedTo: 0,
    events: 0,
    streams: 0,
    types: {},
    firstEventAt: null,
    lastEventAt: null,
    minutes: {},
  };
}

/** The store's incarnation as the database has it now (null when there is no such store). */
export async function readHandle(ctx: MongoContext, scope: Scope): Promise<StoreHandle | null> {
  const doc = await ctx.c.stores.findOne({ _id: storeKey(scope) }, { projection: { _id: 0, inc: 1 } });
  if (!doc) {
    ctx.handles.delete(storeKey(scope));
    return null;
  }
  const handle = { inc: doc.inc };
  ctx.handles.set(storeKey(scope), handle);
  return handle;
}

/**
 * The store's incarnation: this process's last look when it has one, else the database's. With
 * `create`, a missing store is created (appends create their store). A cached incarnation may be
 * stale (another instance deleted the store); writers check it after writing (see groupInsert.ts).
 */
export async function storeHandle(ctx: MongoContext, scope: Scope, { create }: { create: boolean }): Promise<StoreHandle | null> {
  const cached = ctx.handles.get(storeKey(scope));
  if (cached) return cached;
  const found = await readHandle(ctx, scope);
  if (found || !create) return found;
  const doc = newStoreDoc(scope, null);
  try {
    await retryTransient(() => ctx.c.stores.insertOne(doc));
  } catch (error) {
    // Another writer created it first.
    if (!isDuplicateKeyError(error)) throw error;
    return readHandle(ctx, scope);
  }
  const handle = { inc: doc.inc };
  ctx.handles.set(storeKey(scope), handle);
  return handle;
}

/**
 * For reads: the database's incarnation, not a cached one, so that a store deleted or recreated by
 * another instance reads as it is now. One `_id` lookup of a small document.
 */
export function currentHandle(ctx: MongoContext, scope: Scope): Promise<StoreHandle | null> {
  return readHandle(ctx, scope);
}
