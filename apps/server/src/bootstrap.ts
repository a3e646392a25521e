import type { KeyStore } from '@eventlane/store';
import { issueApiKey } from './apiKeys.js';

export const DEFAULT_ORGANIZATION = 'default';

/**
 * On empty storage, creates the organization `default` and an admin key, returned once.
 * Returns null when any organization exists already (the key was shown on an earlier start).
 */
export async function bootstrapStorage(keys: KeyStore): Promise<{ organizationId: string; key: string } | null> {
  if ((await keys.listOrganizations()).length > 0) return null;
  await keys.createOrganization(DEFAULT_ORGANIZATION);
  const { key } = await issueApiKey(keys, {
    organizationId: DEFAULT_ORGANIZATION,
    scopes: ['append', 'read', 'admin'],
    name: 'first-start admin key',
  });
  return { organizationId: DEFAULT_ORGANIZATION, key };
}
