import { z } from 'zod';
import { DEFAULT_LIMITS, type Limits } from './limits.js';

export const EXPECTED_VERSION_MODES = ['no_stream', 'stream_exists', 'any'] as const;

/** A non-negative integer N (the stream must be at exactly version N), or one of the string modes. */
export const expectedStreamVersionSchema = z.union([
  z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  z.enum(EXPECTED_VERSION_MODES),
]);
export type ExpectedStreamVersion = z.infer<typeof expectedStreamVersionSchema>;

/** Depth of nested objects/arrays: `{}` is 1, `{a:{}}` is 2, a scalar is 0. */
export function jsonDepth(value: unknown, limit = Infinity): number {
  let deepest = 0;
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (node === null || typeof node !== 'object') continue;
    const here = depth + 1;
    if (here > deepest) deepest = here;
    if (deepest > limit) return deepest;
    for (const child of Object.values(node as Record<string, unknown>)) stack.push([child, here]);
  }
  return deepest;
}

const jsonObjectSchema = (what: string, maxDepth: number) =>
  z
    .custom<Record<string, unknown>>(
      (value) => value !== null && typeof value === 'object' && !Array.isArray(value),
      { message: `${what} must be a JSON object` },
    )
    .refine((value) => jsonDepth(value, maxDepth) <= maxDepth, {
      message: `${what} is nested deeper than ${maxDepth} levels`,
    })
    // z.custom has no JSON Schema of its own; without this the OpenAPI document would admit any
    // value (schemathesis sent `data: null` as "valid" and got the 400).
    .meta({ type: 'object', additionalProperties: true });

export function makeEventInputSchema(limits: Pick<Limits, 'maxJsonDepth'> = DEFAULT_LIMITS) {
  return z.strictObject({
    type: z.string().min(1, 'Event type must not be empty').max(256),
    // Kept as the parsed JSON object, not re-built key by key, so any key (`$where`, `a.b`, `""`) survives.
    data: jsonObjectSchema('data', limits.maxJsonDepth),
    metadata: jsonObjectSchema('metadata', limits.maxJsonDepth).nullable().optional(),
    schemaVersion: z.string().min(1).max(64).optional(),
    eventId: z.uuid().optional(),
  });
}

export const eventInputSchema = makeEventInputSchema();
export type EventInput = z.infer<typeof eventInputSchema>;

/** Every event that repeats an earlier event's id within one append, with the earlier one's index. */
export function repeatedEventIds(events: ReadonlyArray<{ eventId?: string | undefined }>): Array<{ eventId: string; first: number; index: number }> {
  const seen = new Map<string, number>();
  const repeated: Array<{ eventId: string; first: number; index: number }> = [];
  events.forEach(({ eventId }, index) => {
    if (eventId === undefined) return;
    const first = seen.get(eventId);
    if (first !== undefined) repeated.push({ eventId, first, index });
    else seen.set(eventId, index);
  });
  return repeated;
}

export function makeAppendRequestSchema(limits: Pick<Limits, 'maxEventsPerAppend' | 'maxJsonDepth'> = DEFAULT_LIMITS) {
  return z.strictObject({
    events: z
      .array(makeEventInputSchema(limits))
      .min(1, 'At least one event is required')
      .max(limits.maxEventsPerAppend, `At most ${limits.maxEventsPerAppend} events per append`)
      .superRefine((events, ctx) => {
        for (const { eventId, first, index } of repeatedEventIds(events)) {
          ctx.addIssue({
            code: 'custom',
            message: `eventId ${eventId} appears twice in one append (events ${first} and ${index})`,
            path: [index, 'eventId'],
          });
        }
      }),
    options: z
      .strictObject({
        expectedStreamVersion: expectedStreamVersionSchema.optional(),
      })
      .optional(),
  });
}

export const appendRequestSchema = makeAppendRequestSchema();
export type AppendRequest = z.infer<typeof appendRequestSchema>;

export const appendResponseSchema = z.object({
  success: z.literal(true),
  nextExpectedStreamVersion: z.number().int().min(0),
  eventsWritten: z.number().int().min(0),
});
export type AppendResponse = z.infer<typeof appendResponseSchema>;

/**
 * Where a value holds a key that the server's JSON parser refuses (`__proto__` anywhere, or
 * `constructor` holding a `prototype`), as a path such as `['data', 'items', 0, '__proto__']`;
 * null when there is none. A body with one is answered 400 whatever else it holds, so a client
 * checks before queueing it. (`JSON.parse` keeps `__proto__` as an own key, so this finds it.)
 */
export function findForbiddenKey(value: unknown, path: Array<string | number> = []): Array<string | number> | null {
  if (typeof value !== 'object' || value === null) return null;
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index++) {
      const found = findForbiddenKey(value[index], [...path, index]);
      if (found) return found;
    }
    return null;
  }
  for (const key of Object.keys(value)) {
    const child = (value as Record<string, unknown>)[key];
    if (key === '__proto__') return [...path, key];
    if (key === 'constructor' && typeof child === 'object' && child !== null && Object.prototype.hasOwnProperty.call(child, 'prototype')) {
      return [...path, key, 'prototype'];
    }
    const found = findForbiddenKey(child, [...path, key]);
    if (found) return found;
  }
  return null;
}
