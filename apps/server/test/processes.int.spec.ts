import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { request } from './harness';
import { runEntry, startServerProcess } from './processes';

const lastLine = (text: string) => text.trim().split('\n').at(-1)!.trim();

describe('the server process and the CLI on an empty DATA_DIR', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'eventlane-process-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('prints a one-time admin key on first start, serves the endpoint, and exits 0 on SIGTERM', async () => {
    const first = await startServerProcess({ DATA_DIR: dataDir });
    const out = first.output();
    expect(out).toMatch(/First start: created organization "default" and this one-time admin API key/);
    const key = /one-time admin API key[^\n]*\n(el_[A-Za-z0-9_-]{43})\s*$/m.exec(out)?.[1];
    expect(key).toBeDefined();
    const appended = await request(`${first.url}/api/event-stores/orders/streams/order-1`, {
      key: key!,
      body: { events: [{ type: 'order.placed', data: { total: 3 } }] },
    });
    expect(appended.body).toEqual({ success: true, nextExpectedStreamVersion: 1, eventsWritten: 1 });
    expect((await request(`${first.url}/readyz`)).status).toBe(200);
    expect((await request(`${first.url}/healthz`)).body).toEqual({ status: 'ok' });
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);

    // The key was shown once: a restart does not print another, and the old one still works.
    const second = await startServerProcess({ DATA_DIR: dataDir });
    expect(second.output()).not.toMatch(/one-time admin API key/);
    const again = await request(`${second.url}/api/event-stores/orders/streams/order-1`, {
      key: key!,
      body: { events: [{ type: 'order.paid', data: {} }], options: { expectedStreamVersion: 1 } },
    });
    expect(again.body).toEqual({ success: true, nextExpectedStreamVersion: 2, eventsWritten: 1 });

    // CLI against the same storage while the server runs.
    const org = await runEntry('src/cli.ts', ['orgs', 'create', 'acme'], { DATA_DIR: dataDir });
    expect(org.code).toBe(0);
    const created = await runEntry('src/cli.ts', ['keys', 'create', '--org', 'acme', '--scopes', 'append,read'], { DATA_DIR: dataDir });
    expect(created.code).toBe(0);
    const acmeKey = lastLine(created.stdout);
    expect(acmeKey).toMatch(/^el_[A-Za-z0-9_-]{43}$/);
    const acme = await request(`${second.url}/api/event-stores/orders/streams/order-1`, {
      headers: { authorization: `Bearer ${acmeKey}` },
      body: { events: [{ type: 'x', data: {} }], options: { expectedStreamVersion: 'no_stream' } },
    });
    expect(acme.status).toBe(200);

    const listed = await runEntry('src/cli.ts', ['keys', 'list', '--org', 'acme'], { DATA_DIR: dataDir });
    expect(listed.stdout).toContain(acmeKey.slice(0, 9));
    expect(listed.stdout).not.toContain(acmeKey);
    const keyId = listed.stdout.split('\t')[0]!.trim();
    const revoked = await runEntry('src/cli.ts', ['keys', 'revoke', keyId], { DATA_DIR: dataDir });
    expect(revoked.code).toBe(0);
    const after = await request(`${second.url}/api/event-stores/orders/streams/order-1`, {
      key: acmeKey,
      body: { events: [{ type: 'x', data: {} }] },
    });
    expect(after.status).toBe(401);

    const bad = await runEntry('src/cli.ts', ['keys', 'create', '--org', 'acme', '--scopes', 'root'], { DATA_DIR: dataDir });
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/scopes must be/);
    const missingOrg = await runEntry('src/cli.ts', ['keys', 'create', '--org', 'nobody'], { DATA_DIR: dataDir });
    expect(missingOrg.code).toBe(1);
    expect(missingOrg.stderr).toMatch(/eventlane: /);

    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  }, 120_000);

  it('refuses a bad configuration with a readable message', async () => {
    const result = await runEntry('src/index.ts', [], { PORT: 'eighty', DATA_DIR: dataDir });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/Invalid configuration: PORT/);
  });
});
