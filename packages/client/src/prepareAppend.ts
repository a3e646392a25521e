import { eventStoreNameSchema, makeAppendRequestSchema, streamIdSchema, type EventInput, type ExpectedStreamVersion, type ValidationIssue } from '@eventlane/contracts';
import { InvalidAppendError } from './errors.js';
import { jsonIssues } from './jsonValue.js';
import type { ClientLimits, QueuedEvent } from './types.js';

function issuesOf(error: { issues: ReadonlyArray<{ code: string; message: string; path: ReadonlyArray<PropertyKey> }> }, prefix: string[]): ValidationIssue[] {
  return error.issues.map((issue) => ({
    code: issue.code,
    message: issue.message,
    path: [...prefix, ...issue.path.map((part) => (typeof part === 'number' ? part : String(part)))],
  }));
}

/**
 * Checks an append with the server's own schemas and limits before it is queued (a bad append
 * would only come back as a 400 later), and gives each event its id: the idempotency key of
 * every resend. Throws `InvalidAppendError` with issues shaped like the server's 400 details.
 */
export type AppendPreparer = (store: string, streamId: string, events: EventInput[], expected: ExpectedStreamVersion | undefined) => QueuedEvent[];

export function createAppendPreparer(limits: ClientLimits, uuid: () => string): AppendPreparer {
  const requestSchema = makeAppendRequestSchema(limits);
  return function prepare(store: string, streamId: string, events: EventInput[], expected: ExpectedStreamVersion | undefined): QueuedEvent[] {
    const issues: ValidationIssue[] = [];
    const name = eventStoreNameSchema.safeParse(store);
    if (!name.success) issues.push(...issuesOf(name.error, ['params', 'eventStoreName']));
    const id = streamIdSchema.safeParse(streamId);
    if (!id.success) issues.push(...issuesOf(id.error, ['params', 'streamId']));
    // Before anything else: a value JSON cannot carry would otherwise throw a raw TypeError
    // (BigInt), be refused by IndexedDB as a storage error (functions, Symbols) or change silently.
    const notJson = Array.isArray(events) ? events.flatMap((event, i) => jsonIssues(event, ['events', i], limits.maxJsonDepth)) : [];
    if (notJson.length > 0) throw new InvalidAppendError([...issues, ...notJson]);
    const queued = events.map((event) => ({ ...event, eventId: event.eventId ?? uuid() }));
    const request = { events: queued, ...(expected === undefined ? {} : { options: { expectedStreamVersion: expected } }) };
    const parsed = requestSchema.safeParse(request);
    if (!parsed.success) issues.push(...issuesOf(parsed.error, []));
    if (issues.length === 0 && new TextEncoder().encode(JSON.stringify(request)).length > limits.maxBodyBytes) {
      issues.push({ code: 'too_big', message: `The append is larger than ${limits.maxBodyBytes} bytes`, path: ['events'] });
    }
    if (issues.length > 0) throw new InvalidAppendError(issues);
    return queued;
  };
}
