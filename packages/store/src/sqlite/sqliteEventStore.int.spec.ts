import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import type { Scope } from '../eventStore';
import { UnavailableError } from '../errors';
import { testEventStore } from '../testing/eventStoreConformance';
import { getSQLiteStorage, DEFAULT_SQLITE_FILE_NAME } from './index';

const dirs: string[] = [];
function freshDataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'eventlane-sqlite-'));
  dirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

testEventStore('sqlite', () => getSQLiteStorage({ dataDir: freshDataDir() }));

describe('SQLite storage on disk', () => {
  const scope: Scope = { org: 'acme', store: 'orders' };

  it('keeps acknowledged events across close and reopen, and continues at the right positions', async () => {
    // Given a store written to and closed
    const dataDir = freshDataDir();
    const first = await getSQLiteStorage({ dataDir });
    await first.append(scope, 'order-1', [{ type: 'placed', data: { total: 12 } }, { type: 'paid', data: {} }]);
    await first.append(scope, 'order-2', [{ type: 'placed', data: { total: 3 } }]);
    await first.createOrganization('acme');
    await first.close();

    // When it is opened again
    const second = await getSQLiteStorage({ dataDir });
    try {
      // Then everything is there
      const stream = await second.readStream(scope, 'order-1', { limit: 10 });
      expect(stream.currentStreamVersion).toBe(2);
      expect(stream.events.map((e) => [e.type, e.data, e.streamPosition, e.globalPosition])).toEqual([
        ['placed', { total: 12 }, 0, 0],
        ['paid', {}, 1, 1],
      ]);
      expect(await second.headGlobalPosition(scope)).toBe(2);
      expect(await second.getOrganization('acme')).toMatchObject({ organizationId: 'acme' });
      // And the version check and the global counter pick up where they were
      await expect(
        second.append(scope, 'order-1', [{ type: 'late', data: {} }], { expectedStreamVersion: 1 }),
      ).rejects.toMatchObject({ code: 'VERSION_CONFLICT', current: 2 });
      expect(await second.append(scope, 'order-1', [{ type: 'shipped', data: {} }], { expectedStreamVersion: 2 })).toEqual({
        nextExpectedStreamVersion: 3,
        eventsWritten: 1,
      });
      const all = await second.readStore(scope, { limit: 10 });
      expect(all.events.map((e) => [e.streamId, e.globalPosition])).toEqual([
        ['order-1', 0],
        ['order-1', 1],
        ['order-2', 2],
        ['order-1', 3],
      ]);
    } finally {
      await second.close();
    }
  });

  it('shares one file between two open storages (server and CLI) without losing positions', async () => {
    const dataDir = freshDataDir();
    const [a, b] = await Promise.all([getSQLiteStorage({ dataDir }), getSQLiteStorage({ dataDir })]);
    try {
      for (let i = 0; i < 10; i++) {
        const writer = i % 2 === 0 ? a : b;
        expect(await writer.append(scope, 'shared-1', [{ type: 'tick', data: { i } }], { expectedStreamVersion: i })).toEqual({
          nextExpectedStreamVersion: i + 1,
          eventsWritten: 1,
        });
      }
      const seenByB = await b.readStore(scope, { limit: 100 });
      expect(seenByB.events.map((e) => [e.streamPosition, e.globalPosition])).toEqual(
        Array.from({ length: 10 }, (_, i) => [i, i]),
      );
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('answers UnavailableError and writes nothing while another process holds the write lock', async () => {
    // Given another process in the middle of a write transaction
    const dataDir = freshDataDir();
    const storage = await getSQLiteStorage({ dataDir, busyTimeoutMs: 50 });
    await storage.append(scope, 'locked-1', [{ type: 'first', data: {} }]);
    const other = new Database(join(dataDir, DEFAULT_SQLITE_FILE_NAME));
    other.prepare('BEGIN IMMEDIATE').run();
    try {
      // When an append cannot get the lock in time
      const error = await storage.append(scope, 'locked-1', [{ type: 'second', data: {} }]).catch((e: unknown) => e);
      // Then it is a retryable UnavailableError without the driver's text, and nothing was written
      expect(error).toBeInstanceOf(UnavailableError);
      expect((error as Error).message).not.toMatch(/SQLITE|database is locked/i);
    } finally {
      other.prepare('ROLLBACK').run();
      other.close();
    }
    expect((await storage.readStream(scope, 'locked-1', { limit: 10 })).currentStreamVersion).toBe(1);
    // And a retry once the lock is free succeeds at the right position
    expect(await storage.append(scope, 'locked-1', [{ type: 'second', data: {} }], { expectedStreamVersion: 1 })).toEqual({
      nextExpectedStreamVersion: 2,
      eventsWritten: 1,
    });
    await storage.close();
  });

  it('rejects an eventId repeated within one append and writes nothing', async () => {
    const storage = await getSQLiteStorage({ dataDir: freshDataDir() });
    try {
      const id = '6f1c2d3e-4b5a-4c6d-8e7f-901234567890';
      const error = await storage
        .append(scope, 'twice-1', [{ type: 'a', data: {}, eventId: id }, { type: 'b', data: {}, eventId: id }])
        .catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'DUPLICATE_EVENT_ID', eventIds: [id] });
      expect(await storage.headGlobalPosition(scope)).toBe(-1);
    } finally {
      await storage.close();
    }
  });

  it('answers UnavailableError, not a driver error, once closed', async () => {
    const storage = await getSQLiteStorage({ dataDir: freshDataDir() });
    await storage.close();
    await expect(storage.ping()).rejects.toBeInstanceOf(UnavailableError);
    await expect(storage.append(scope, 'x-1', [{ type: 'a', data: {} }])).rejects.toBeInstanceOf(UnavailableError);
    await expect(storage.readStore(scope, { limit: 1 })).rejects.toBeInstanceOf(UnavailableError);
    await expect(storage.close()).resolves.toBeUndefined();
  });

  it('answers UnavailableError when the data folder cannot be used', async () => {
    const notAFolder = join(freshDataDir(), 'file');
    writeFileSync(notAFolder, 'x');
    await expect(getSQLiteStorage({ dataDir: notAFolder })).rejects.toBeInstanceOf(UnavailableError);
  });

  it('keeps positions gap-free and expectations atomic while 4 processes write one file', async () => {
    // Given 4 OS processes appending to the same data folder at once (the server and CLIs)
    const dataDir = freshDataDir();
    const processes = 4;
    const appends = 40;
    const startAt = Date.now() + 2000;
    const repoRoot = fileURLToPath(new URL('../../../..', import.meta.url));
    const fixture = fileURLToPath(new URL('./multiProcessWriter.fixture.ts', import.meta.url));
    // Create the file first so the 4 processes race on appends, not only on creating the schema.
    await (await getSQLiteStorage({ dataDir })).close();
    const outputs = await Promise.all(
      Array.from({ length: processes }, (_, w) =>
        promisify(execFile)(process.execPath, ['--import', 'tsx', fixture, dataDir, String(w), String(appends), String(startAt)], {
          cwd: repoRoot,
        }),
      ),
    );
    const reports = outputs.map(({ stdout }) => JSON.parse(stdout) as { written: number; conflicts: number });
    const written = reports.reduce((sum, r) => sum + r.written, 0);
    console.log(`4 processes: ${written} events, ${reports.reduce((sum, r) => sum + r.conflicts, 0)} version conflicts retried`);

    // Then every stream and the store's global order are contiguous from 0, and each read-then-
    // expect append landed exactly once
    const storage = await getSQLiteStorage({ dataDir });
    try {
      const shared = { org: 'acme', store: 'shared' };
      const all = await storage.readStore(shared, { limit: 1000 });
      expect(all.hasMore).toBe(false);
      expect(all.events.map((e) => e.globalPosition)).toEqual(Array.from({ length: written }, (_, i) => i));
      for (const streamId of ['any-0', 'any-1', 'any-2', 'hot-1']) {
        const positions = all.events.filter((e) => e.streamId === streamId).map((e) => e.streamPosition);
        expect(positions).toEqual(Array.from({ length: positions.length }, (_, i) => i));
      }
      expect((await storage.readStream(shared, 'hot-1', { limit: 1 })).currentStreamVersion).toBe(processes * appends);
    } finally {
      await storage.close();
    }
  }, 60_000);
});
