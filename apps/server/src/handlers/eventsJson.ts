import type { JsonTextEvent } from '@eventlane/store';

const text = JSON.stringify;

/**
 * One event as JSON text, keys in `storedEventSchema`'s order, with `data` and `metadata` spliced
 * in as stored. The stored text is `JSON.stringify` of what was appended (`encodeEvents`), so this
 * is the same text that parsing it and serialising the event through the response schema gives
 * (eventsJson.unit.spec.ts checks that byte for byte), at a fraction of the cost.
 */
export function eventJson(e: JsonTextEvent): string {
  return (
    `{"eventId":${text(e.eventId)},"streamId":${text(e.streamId)},"streamType":${text(e.streamType)},` +
    `"streamPosition":${e.streamPosition},"globalPosition":${e.globalPosition === null ? 'null' : e.globalPosition},` +
    `"type":${text(e.type)},"data":${e.data},"metadata":${e.metadata ?? 'null'},` +
    `"schemaVersion":${e.schemaVersion === null ? 'null' : text(e.schemaVersion)},` +
    `"transactionId":${text(e.transactionId)},"createdAt":${text(e.createdAt)}}`
  );
}

/** A JSON array of events (see `eventJson`). */
export function eventsJson(events: JsonTextEvent[]): string {
  let json = '[';
  for (let i = 0; i < events.length; i += 1) json += (i === 0 ? '' : ',') + eventJson(events[i]!);
  return `${json}]`;
}
