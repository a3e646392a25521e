import { expect } from '@playwright/test';
import { eventsPageResponseSchema, type StoredEvent } from '@eventlane/contracts';

/** What another client or a service sees: the REST read, straight from the server. */
export async function readStream(baseUrl: string, apiKey: string, store: string, streamId: string): Promise<StoredEvent[]> {
  const response = await fetch(`${baseUrl}/api/event-stores/${store}/streams/${encodeURIComponent(streamId)}/events?limit=1000`, {
    headers: { 'X-API-Key': apiKey },
  });
  if (response.status === 404) return [];
  expect(response.status).toBe(200);
  return eventsPageResponseSchema.parse(await response.json()).events;
}

/** Another client appends directly through the REST endpoint. */
export async function appendDirect(baseUrl: string, apiKey: string, store: string, streamId: string, body: unknown): Promise<Response> {
  return fetch(`${baseUrl}/api/event-stores/${store}/streams/${encodeURIComponent(streamId)}`, {
    method: 'POST',
    headers: { 'X-API-Key': apiKey, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
}

async function trpcMutation<T>(baseUrl: string, apiKey: string, path: string, input: unknown): Promise<T> {
  const response = await fetch(`${baseUrl}/trpc/${path}`, {
    method: 'POST',
    headers: { 'X-API-Key': apiKey, 'Content-Type': 'application/json' },
    body: JSON.stringify(input),
  });
  const json = (await response.json()) as { result?: { data: T } };
  expect(response.status, JSON.stringify(json)).toBe(200);
  return json.result!.data;
}

export function createKey(baseUrl: string, adminKey: string, scopes: string[], name = 'e2e'): Promise<{ key: string; info: { keyId: string } }> {
  return trpcMutation(baseUrl, adminKey, 'apiKeys.create', { name, scopes });
}

export function revokeKey(baseUrl: string, adminKey: string, keyId: string): Promise<unknown> {
  return trpcMutation(baseUrl, adminKey, 'apiKeys.revoke', { keyId });
}
