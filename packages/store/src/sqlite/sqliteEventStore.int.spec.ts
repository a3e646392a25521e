import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import type { Scope } from '../eventStore';
import { DuplicateEventIdError, UnavailableError, VersionConflictError } from '../errors';
import { testEventStore } from '../testing/eventStoreConformance';
import { getSQLiteStorage, DEFAULT_SQLITE_FILE_NAME } from './index';
import { writerOf } from './sqliteStorage';
import type { ThreadWriter } from './writerThread';

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
testEventStore('sqlite, appends on the calling thread', () => getSQLiteStorage({ dataDir: freshDataDir(), writer: 'inline' }));

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
        promisify(execFile)(process.execPath, ['--conditions=@eventlane/source', '--import', 'tsx', fixture, dataDir, String(w), String(appends), String(startAt)], {
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

describe('SQLite writer thread', () => {
  const scope: Scope = { org: 'acme', store: 'orders' };
  const threadOf = (storage: Awaited<ReturnType<typeof getSQLiteStorage>>) => (writerOf(storage) as ThreadWriter).thread;

  it('hands conflicts and duplicate ids back as the same error classes with the same fields', async () => {
    const storage = await getSQLiteStorage({ dataDir: freshDataDir() });
    try {
      // The thread starts with the first append
      expect(threadOf(storage)).toBeUndefined();
      const id = '0b6c3c1e-7f1a-4d7e-9a57-5b0c1b3a9e01';
      await storage.append(scope, 'errors-1', [{ type: 'a', data: {}, eventId: id }]);
      expect(threadOf(storage)).toBeDefined();
      const conflict = await storage.append(scope, 'errors-1', [{ type: 'b', data: {} }], { expectedStreamVersion: 0 }).catch((e: unknown) => e);
      expect(conflict).toBeInstanceOf(VersionConflictError);
      expect(conflict).toMatchObject({ code: 'VERSION_CONFLICT', expected: 0, current: 1 });
      const duplicate = await storage.append(scope, 'errors-2', [{ type: 'a', data: {}, eventId: id }]).catch((e: unknown) => e);
      expect(duplicate).toBeInstanceOf(DuplicateEventIdError);
      expect(duplicate).toMatchObject({ code: 'DUPLICATE_EVENT_ID', eventIds: [id] });
    } finally {
      await storage.close();
    }
  });

  it('starts the thread when the storage opens with startWriterEarly (a server), and it commits the first append', async () => {
    const storage = await getSQLiteStorage({ dataDir: freshDataDir(), startWriterEarly: true });
    try {
      const thread = threadOf(storage);
      expect(thread).toBeDefined();
      await expect(storage.append(scope, 'early-1', [{ type: 'a', data: {} }])).resolves.toMatchObject({ nextExpectedStreamVersion: 1 });
      expect(threadOf(storage)).toBe(thread);
    } finally {
      await storage.close();
    }
  });

  it('fails the appends of a writer thread that dies with UnavailableError, and the next append starts a new one', async () => {
    // Given a storage whose writer thread has appends to commit
    const storage = await getSQLiteStorage({ dataDir: freshDataDir() });
    await storage.append(scope, 'crash-1', [{ type: 'first', data: {} }]);
    const first = threadOf(storage)!;
    const exited = new Promise((resolve) => first.once('exit', resolve));
    const pending = Promise.allSettled([1, 2, 3].map((i) => storage.append(scope, `crash-${i + 1}`, [{ type: 'lost', data: { i } }])));
    // When the thread dies before it commits them (a message outside the protocol makes it throw;
    // it arrives in the same turn as the appends, so before their group commit)
    first.postMessage({ type: 'crash' });
    const outcomes = await pending;
    await exited;

    // Then every append sent to it failed as retryable, none hangs, and none was written
    for (const outcome of outcomes) {
      expect(outcome.status).toBe('rejected');
      expect((outcome as PromiseRejectedResult).reason).toBeInstanceOf(UnavailableError);
    }
    expect(await storage.headGlobalPosition(scope)).toBe(0);
    expect(threadOf(storage)).toBeUndefined();

    // And the next append runs on a new thread, at the right positions
    expect(await storage.append(scope, 'crash-1', [{ type: 'second', data: {} }], { expectedStreamVersion: 1 })).toEqual({
      nextExpectedStreamVersion: 2,
      eventsWritten: 1,
    });
    expect(threadOf(storage)).toBeDefined();
    expect(threadOf(storage)).not.toBe(first);
    expect((await storage.readStore(scope, { limit: 10 })).events.map((e) => [e.streamId, e.globalPosition])).toEqual([
      ['crash-1', 0],
      ['crash-1', 1],
    ]);
    await storage.close();
  });

  it('commits the appends sent before close() and acknowledges them, then refuses new ones', async () => {
    const dataDir = freshDataDir();
    const storage = await getSQLiteStorage({ dataDir });
    const sent = Array.from({ length: 20 }, (_, i) => storage.append(scope, `closing-${i}`, [{ type: 'a', data: { i } }]));
    await storage.close();
    expect(await Promise.all(sent)).toEqual(Array.from({ length: 20 }, () => ({ nextExpectedStreamVersion: 1, eventsWritten: 1 })));
    await expect(storage.append(scope, 'closing-x', [{ type: 'a', data: {} }])).rejects.toBeInstanceOf(UnavailableError);
    const reopened = await getSQLiteStorage({ dataDir });
    try {
      expect(await reopened.headGlobalPosition(scope)).toBe(19);
    } finally {
      await reopened.close();
    }
  });
});
