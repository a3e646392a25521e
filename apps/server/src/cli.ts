import { Command, InvalidArgumentError } from 'commander';
import { API_KEY_SCOPES, organizationIdSchema, type ApiKeyScope } from '@eventlane/contracts';
import type { Storage } from '@eventlane/store';
import { isStoreError } from '@eventlane/store';
import { issueApiKey } from './apiKeys.js';
import { loadConfig } from './config.js';
import { openStorage } from './openStorage.js';

/** Operators' CLI, against the same storage as the server (`DATA_DIR` or `MONGODB_URI`). */
function parseScopes(value: string): ApiKeyScope[] {
  const scopes = value.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = scopes.filter((s) => !(API_KEY_SCOPES as readonly string[]).includes(s));
  if (scopes.length === 0 || unknown.length > 0)
    throw new InvalidArgumentError(`scopes must be a comma-separated list of ${API_KEY_SCOPES.join(', ')}`);
  return scopes as ApiKeyScope[];
}

function parseOrg(value: string): string {
  const parsed = organizationIdSchema.safeParse(value);
  if (!parsed.success) throw new InvalidArgumentError(parsed.error.issues[0]!.message);
  return parsed.data;
}

async function withStorage<T>(run: (storage: Storage) => Promise<T>): Promise<T> {
  const storage = await openStorage(loadConfig(process.env));
  try {
    return await run(storage);
  } finally {
    await storage.close();
  }
}

const program = new Command('eventlane').description('Administer Eventlane organizations and API keys');
const orgs = program.command('orgs').description('Organizations');
orgs
  .command('create <org>')
  .description('create an organization')
  .action((org: string) =>
    withStorage(async (storage) => {
      await storage.createOrganization(parseOrg(org));
      console.log(`Created organization ${org}`);
    }),
  );
orgs.command('list').action(() =>
  withStorage(async (storage) => {
    for (const o of await storage.listOrganizations()) console.log(`${o.organizationId}\t${o.createdAt}`);
  }),
);

const keys = program.command('keys').description('API keys');
keys
  .command('create')
  .description('create an API key; the key is printed alone on the last line and never again')
  .requiredOption('--org <org>', 'organization', parseOrg)
  .option('--scopes <scopes>', 'comma-separated: append,read,admin', parseScopes, ['append', 'read'] as ApiKeyScope[])
  .option('--name <name>', 'a label to recognise the key by')
  .action((options: { org: string; scopes: ApiKeyScope[]; name?: string }) =>
    withStorage(async (storage) => {
      const { key, info } = await issueApiKey(storage, {
        organizationId: options.org,
        scopes: options.scopes,
        name: options.name ?? null,
      });
      console.log(`Created key ${info.keyId} (${info.prefix}…) for ${info.organizationId} with scopes ${info.scopes.join(',')}.`);
      console.log('Store it now: it is shown only once.');
      console.log(key);
    }),
  );
keys
  .command('list')
  .requiredOption('--org <org>', 'organization', parseOrg)
  .action((options: { org: string }) =>
    withStorage(async (storage) => {
      for (const k of await storage.listApiKeys(options.org)) {
        const state = k.revokedAt ? `revoked ${k.revokedAt}` : 'active';
        console.log(`${k.keyId}\t${k.prefix}…\t${k.scopes.join(',')}\t${state}\t${k.name ?? ''}`);
      }
    }),
  );
keys
  .command('revoke <keyId>')
  .action((keyId: string) =>
    withStorage(async (storage) => {
      const revoked = await storage.revokeApiKey(keyId);
      if (!revoked) {
        console.error(`No API key ${keyId}`);
        process.exitCode = 1;
        return;
      }
      console.log(`Revoked ${revoked.keyId} (${revoked.prefix}…) of ${revoked.organizationId}`);
    }),
  );

program.parseAsync(process.argv).catch((error: unknown) => {
  const message = isStoreError(error) ? error.message : error instanceof Error ? error.message : String(error);
  console.error(`eventlane: ${message}`);
  process.exit(1);
});
