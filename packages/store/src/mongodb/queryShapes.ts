import type { CommandStartedEvent, Document } from 'mongodb';
import { INDEXES, type IndexSpec } from './indexes.js';

/**
 * Checks the shape of the commands an adapter sends against its declared indexes (INDEXES), for
 * the query-shape test: every filter and sort must be served by an index prefix, every find must
 * have a limit, every aggregation must start with such a `$match`. FerretDB v1 uses no index at
 * all, so this is how the adapter proves its cost on MongoDB: by the shape of its queries.
 */

export interface ShapeViolation {
  command: string;
  collection: string;
  reason: string;
  filter: unknown;
}

const ID_INDEX: IndexSpec = { name: '_id_', key: { _id: 1 } };

/** Whether a filter value constrains its field to an equality (or a set of them). */
function isEquality(value: unknown): boolean {
  if (value === null || typeof value !== 'object' || value instanceof Date || Array.isArray(value)) return true;
  const ops = Object.keys(value as Document);
  if (ops.length === 0 || !ops[0]!.startsWith('$')) return true;
  return ops.every((op) => op === '$eq' || op === '$in');
}

function isRange(value: unknown): boolean {
  if (value === null || typeof value !== 'object' || value instanceof Date || Array.isArray(value)) return false;
  const ops = Object.keys(value as Document);
  return ops.length > 0 && ops.every((op) => ['$gt', '$gte', '$lt', '$lte', '$regex'].includes(op));
}

/**
 * Whether `index` serves `filter` and `sort`: an equality on a prefix of its keys, then at most a
 * range (or the sort) on the next key; the sort's keys must follow the equality prefix in order.
 */
export function indexServes(index: IndexSpec, filter: Document, sort: Document | undefined): boolean {
  const keys = Object.keys(index.key);
  let i = 0;
  while (i < keys.length && keys[i]! in filter && isEquality(filter[keys[i]!])) i++;
  const sortKeys = sort ? Object.keys(sort) : [];
  if (i === 0 && !(keys[0]! in filter && isRange(filter[keys[0]!]))) return false;
  if (sortKeys.length === 0) return true;
  // The sort follows the equality prefix; ties broken by the keys after it.
  return sortKeys.every((key, j) => keys[i + j] === key);
}

/** The filter, sort and limit of a read or write command, when it has one. */
function shapeOf(event: CommandStartedEvent): { collection: string; parts: Array<{ filter: Document; sort?: Document; limited: boolean }> } | null {
  const command = event.command;
  const collection = command[event.commandName] as string;
  switch (event.commandName) {
    case 'find':
      return { collection, parts: [{ filter: command.filter ?? {}, sort: command.sort, limited: (command.limit ?? 0) > 0 || command.singleBatch === true }] };
    case 'count':
      return { collection, parts: [{ filter: command.query ?? {}, limited: true }] };
    case 'findAndModify':
      return { collection, parts: [{ filter: command.query ?? {}, sort: command.sort, limited: true }] };
    case 'update':
      return { collection, parts: (command.updates as Document[]).map((u) => ({ filter: u.q as Document, limited: true })) };
    case 'delete':
      return { collection, parts: (command.deletes as Document[]).map((d) => ({ filter: d.q as Document, limited: true })) };
    case 'aggregate': {
      const [first] = command.pipeline as Document[];
      // countDocuments: a $match, then $skip/$limit/$group.
      return { collection, parts: [{ filter: (first?.$match as Document | undefined) ?? {}, limited: true }] };
    }
    default:
      return null;
  }
}

/** Lists the commands whose shape no declared index serves, or that read without a limit. `extraIndexes`: collections declared elsewhere (webhooks). */
export function checkQueryShapes(events: CommandStartedEvent[], ignoreCollections: string[] = [], extraIndexes: Record<string, IndexSpec[]> = {}): ShapeViolation[] {
  const violations: ShapeViolation[] = [];
  for (const event of events) {
    const shape = shapeOf(event);
    if (!shape || ignoreCollections.includes(shape.collection)) continue;
    const indexes = [ID_INDEX, ...(INDEXES[shape.collection] ?? extraIndexes[shape.collection] ?? [])];
    for (const part of shape.parts) {
      const served = indexes.some((index) => indexServes(index, part.filter, part.sort));
      if (!served) violations.push({ command: event.commandName, collection: shape.collection, reason: 'no declared index serves this filter/sort', filter: { filter: part.filter, sort: part.sort } });
      if (!part.limited) violations.push({ command: event.commandName, collection: shape.collection, reason: 'find without a limit', filter: part.filter });
    }
  }
  return violations;
}
