import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { globalEventsPageResponseSchema } from '@eventlane/contracts';
import { inject } from 'vitest';
import { BACKENDS, backendAvailable, request, startTestServer, type TestServer } from './harness';

function onFerretDB(): boolean {
  return inject('mongoKind') === 'ferretdb';
}

const WRITERS = 8;
/** FerretDB v1 scans the commits for every event-id lookup (MongoDB has an index): fewer appends there. */
const appendsPerWriter = (backend: string) => (backend === 'mongodb' && onFerretDB() ? 50 : 200);

/**
 * DESIGN invariant 6 through HTTP: while 8 writers append concurrently (and finish out of order),
 * a reader that only ever asks `GET .../events?fromPosition=<last seen + 1>` ends up with every
 * event exactly once, in strictly increasing global positions.
 */
for (const backend of BACKENDS) {
  describe.skipIf(!backendAvailable(backend))(`global order through HTTP on ${backend}`, () => {
    let server: TestServer;
    beforeAll(async () => {
      server = await startTestServer(backend);
    });
    afterAll(async () => {
      await server?.stop();
    });

    it(`a catch-up reader sees every event of ${WRITERS} writers × ${appendsPerWriter(backend)} appends exactly once, in order`, async () => {
      const { key, org } = await server.newOrg(['append', 'read']);
      const store = `order-${randomUUID().slice(0, 8)}`;
      const started = Date.now();
      let writing = true;
      const positions: number[] = [];
      const seenIds: string[] = [];
      let reads = 0;

      const reader = (async () => {
        let next = 0;
        for (;;) {
          const done = !writing;
          const response = await request(`${server.url}/api/event-stores/${store}/events?fromPosition=${next}&limit=1000`, { key });
          reads += 1;
          // Before the first append the store does not exist yet.
          if (response.status === 404) {
            await new Promise((r) => setTimeout(r, 5));
            continue;
          }
          expect(response.status).toBe(200);
          const page = globalEventsPageResponseSchema.parse(response.body);
          for (const event of page.events) {
            positions.push(event.globalPosition);
            seenIds.push(event.eventId);
            next = event.globalPosition + 1;
          }
          if (done && page.events.length === 0) return;
          if (page.events.length === 0) await new Promise((r) => setTimeout(r, 2));
        }
      })();

      const written: string[] = [];
      await Promise.all(
        Array.from({ length: WRITERS }, async (_, writer) => {
          for (let i = 0; i < appendsPerWriter(backend); i++) {
            // 1–3 events per append, to random streams, so commits of different sizes interleave.
            const events = Array.from({ length: 1 + (i % 3) }, () => ({ type: 'tick', data: { writer, i }, eventId: randomUUID() }));
            const stream = `s-${Math.floor(Math.random() * 16)}`;
            const response = await request(`${server.url}/api/event-stores/${store}/streams/${stream}`, { key, body: { events } });
            expect(response.status).toBe(200);
            written.push(...events.map((e) => e.eventId));
          }
        }),
      );
      const writersDone = Date.now();
      // Every append is acknowledged; once each has its global position (MongoDB: just after) the reader may stop.
      await server.storage.waitForGlobalOrder({ org, store }, { timeoutMs: 60_000 });
      writing = false;
      await reader;
      const seconds = (Date.now() - started) / 1000;

      expect(seenIds.length).toBe(written.length);
      expect(new Set(seenIds)).toEqual(new Set(written));
      for (let i = 1; i < positions.length; i++) expect(positions[i]!).toBeGreaterThan(positions[i - 1]!);
      console.log(
        `[global order, ${backend}] ${written.length} events in ${WRITERS * appendsPerWriter(backend)} appends by ${WRITERS} writers; ` +
          `reader took ${reads} reads; writers ${((writersDone - started) / 1000).toFixed(1)} s, total ${seconds.toFixed(1)} s`,
      );
    }, 600_000);
  });
}
