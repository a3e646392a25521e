import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { writerOf } from '@eventlane/store/sqlite';
import { loadConfig } from './config.js';
import { openStorage } from './openStorage.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('SQLITE_WRITER', () => {
  it('is the writer thread unless set, and refuses anything but thread or inline', () => {
    expect(loadConfig({}).sqliteWriter).toBe('thread');
    expect(loadConfig({ SQLITE_WRITER: 'inline' }).sqliteWriter).toBe('inline');
    expect(() => loadConfig({ SQLITE_WRITER: 'fast' })).toThrow(/SQLITE_WRITER/);
  });

  it.each(['thread', 'inline'] as const)('%s: the server storage commits there and reads its appends back', async (mode) => {
    const dataDir = mkdtempSync(join(tmpdir(), 'eventlane-writer-'));
    dirs.push(dataDir);
    const storage = await openStorage({ ...loadConfig({ SQLITE_WRITER: mode }), dataDir }, { forServer: true });
    try {
      // A thread writer carries its worker (`thread`); the inline writer has none.
      expect('thread' in writerOf(storage)!).toBe(mode === 'thread');
      await storage.createOrganization('o');
      await storage.createStore({ org: 'o', store: 's' });
      const written = await storage.append({ org: 'o', store: 's' }, 'a', [{ type: 'T', data: { n: 1 } }], { expectedStreamVersion: 'no_stream' });
      expect(written.eventsWritten).toBe(1);
      const page = await storage.readStream({ org: 'o', store: 's' }, 'a', { limit: 10 });
      expect(page.events.map((e) => e.data)).toEqual([{ n: 1 }]);
    } finally {
      await storage.close();
    }
  });
});
