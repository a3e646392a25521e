import { eventInputSchema, findForbiddenKey, type EventInput, type ExpectedStreamVersion } from '@eventlane/contracts';

/** One event as typed in the form: JSON still as text. */
export interface EventDraft {
  key: number;
  type: string;
  data: string;
  metadata: string;
  schemaVersion: string;
}

export type ExpectedMode = 'head' | 'number' | 'no_stream' | 'stream_exists' | 'any';

export interface DraftErrors {
  type?: string;
  data?: string;
  metadata?: string;
  schemaVersion?: string;
}

let nextKey = 1;
export function emptyDraft(): EventDraft {
  return { key: nextKey++, type: '', data: '{\n  \n}', metadata: '', schemaVersion: '' };
}

export function draftFromEvent(event: EventInput): EventDraft {
  return {
    key: nextKey++,
    type: event.type,
    data: JSON.stringify(event.data, null, 2),
    metadata: event.metadata == null ? '' : JSON.stringify(event.metadata, null, 2),
    schemaVersion: event.schemaVersion ?? '',
  };
}

function parseObject(text: string, label: string, optional: boolean): { value?: Record<string, unknown> | null; error?: string } {
  if (text.trim() === '') return optional ? { value: null } : { error: `${label} is required: a JSON object such as {"id": 1}` };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { error: `${label} is not valid JSON: ${(error as Error).message}` };
  }
  if (optional && value === null) return { value: null };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { error: `${label} must be a JSON object ({…}), not ${Array.isArray(value) ? 'an array' : JSON.stringify(value)}` };
  return { value: value as Record<string, unknown> };
}

/** The event the draft stands for, or why not: checked with the append endpoint's own schema. */
export function parseDraft(draft: EventDraft): { event?: EventInput; errors: DraftErrors } {
  const errors: DraftErrors = {};
  const data = parseObject(draft.data, 'Data', false);
  const metadata = parseObject(draft.metadata, 'Metadata', true);
  if (data.error) errors.data = data.error;
  if (metadata.error) errors.metadata = metadata.error;
  if (draft.type.trim() === '') errors.type = 'Event type is required';
  // The server refuses any body holding these keys, so such an append would only ever be rejected.
  for (const [field, value] of [['data', data.value], ['metadata', metadata.value]] as const) {
    const path = findForbiddenKey(value, [field]);
    if (path) errors[field] = `${field === 'data' ? 'Data' : 'Metadata'} holds a key the server refuses at ${formatPath(path)} ("__proto__", and "prototype" inside "constructor", are never accepted)`;
  }
  if (Object.keys(errors).length > 0) return { errors };
  const candidate = {
    type: draft.type.trim(),
    data: data.value!,
    ...(metadata.value ? { metadata: metadata.value } : {}),
    ...(draft.schemaVersion.trim() ? { schemaVersion: draft.schemaVersion.trim() } : {}),
  };
  const parsed = eventInputSchema.safeParse(candidate);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const field = String(issue.path[0] ?? 'data') as keyof DraftErrors;
      const target: keyof DraftErrors = field in { type: 1, data: 1, metadata: 1, schemaVersion: 1 } ? field : 'data';
      errors[target] ??= issue.message;
    }
    return { errors };
  }
  return { event: parsed.data, errors };
}

export function expectedFrom(mode: ExpectedMode, head: number, number: string): { value?: ExpectedStreamVersion; error?: string } {
  switch (mode) {
    case 'head':
      return { value: head };
    case 'number': {
      if (!/^\d+$/.test(number.trim())) return { error: 'Expected version must be a whole number, 0 or more' };
      return { value: Number(number.trim()) };
    }
    default:
      return { value: mode };
  }
}

/** `data.items[0].__proto__` */
export function formatPath(path: ReadonlyArray<string | number>): string {
  return path.reduce<string>((text, part) => (typeof part === 'number' ? `${text}[${part}]` : text ? `${text}.${part}` : part), '');
}
