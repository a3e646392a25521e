import { typeList, type StoredEvent } from '@eventlane/contracts';
import type { Scope, Storage } from '@eventlane/store';
import { codedError, invalidRequest } from '../http/errors.js';
import type { AppendNotifier } from './appendNotifier.js';

/** How long a tail waits between reads when nothing woke it. */
export interface LiveTailOptions {
  /**
   * SQLite: appends through this process wake tails at once; the poll only catches writes by
   * other processes on the same file (the CLI, a second server). MongoDB: the poll is how
   * appends through other instances are seen (FerretDB v1 has no change streams).
   */
  pollIntervalMs: number;
  /** Events read per round trip. */
  batchSize?: number;
}

export const DEFAULT_POLL_INTERVAL_MS = { sqlite: 1000, mongodb: 200 } as const;

/** Live tails of a store's global order and of one stream, shared by every subscription of a server. */
export class LiveTails {
  /** Aborted when the server stops, so open tails end and their SSE responses close instead of holding `close()`. */
  private readonly closing = new AbortController();

  constructor(
    private readonly storage: Storage,
    private readonly notifier: AppendNotifier,
    private readonly options: LiveTailOptions,
  ) {}

  /** Ends every open tail (the server is stopping). */
  close(): void {
    this.closing.abort();
  }

  private until(signal?: AbortSignal): AbortSignal {
    return signal ? AbortSignal.any([signal, this.closing.signal]) : this.closing.signal;
  }

  /**
   * A store's events in global order from `fromPosition` (default: the next one to be written),
   * forever, until `signal` aborts. It is the catch-up read (`fromPosition = last + 1`) in a loop,
   * so it inherits its guarantee: no event skipped, none twice.
   */
  async *tailStore(
    scope: Scope,
    input: { fromPosition?: number; lastEventId?: string; streamId?: string; type?: string | string[] },
    aborted?: AbortSignal,
  ): AsyncGenerator<StoredEvent> {
    const signal = this.until(aborted);
    const head = await this.storage.headGlobalPosition(scope);
    let next = resumePosition(input.lastEventId) ?? input.fromPosition ?? head + 1;
    if (next > head + 1) throw positionOutOfRange('global', next, head + 1);
    const types = typeList(input.type);
    while (!signal.aborted) {
      const seen = this.notifier.version(scope);
      const page = await this.storage.readStore(scope, {
        fromPosition: next,
        streamId: input.streamId,
        types,
        limit: this.options.batchSize ?? 500,
      });
      for (const event of page.events) {
        if (signal.aborted) return;
        yield event;
        next = event.globalPosition + 1;
      }
      if (!page.hasMore) await this.notifier.wait(scope, seen, this.options.pollIntervalMs, signal);
    }
  }

  /** One stream's events by stream position from `fromPosition` (default: the stream's current version). */
  async *tailStream(
    scope: Scope,
    streamId: string,
    input: { fromPosition?: number; lastEventId?: string },
    aborted?: AbortSignal,
  ): AsyncGenerator<StoredEvent> {
    const signal = this.until(aborted);
    const { currentStreamVersion } = await this.storage.readStream(scope, streamId, { limit: 1 });
    let next = resumePosition(input.lastEventId) ?? input.fromPosition ?? currentStreamVersion;
    if (next > currentStreamVersion) throw positionOutOfRange('stream', next, currentStreamVersion);
    while (!signal.aborted) {
      const seen = this.notifier.version(scope);
      const page = await this.storage.readStream(scope, streamId, { fromPosition: next, limit: this.options.batchSize ?? 500 });
      for (const event of page.events) {
        if (signal.aborted) return;
        yield event;
        next = event.streamPosition + 1;
      }
      if (!page.hasMore) await this.notifier.wait(scope, seen, this.options.pollIntervalMs, signal);
    }
  }
}

/** SSE reconnects send the last tracked id (a position); the tail resumes right after it. */
function resumePosition(lastEventId: string | undefined): number | undefined {
  if (lastEventId === undefined) return undefined;
  if (!/^\d{1,15}$/.test(lastEventId)) {
    throw invalidRequest([{ code: 'invalid_format', message: 'lastEventId must be a position', path: ['lastEventId'] }]);
  }
  return Number(lastEventId) + 1;
}

function positionOutOfRange(kind: 'global' | 'stream', asked: number, nextToBeWritten: number) {
  return codedError(
    400,
    'POSITION_OUT_OF_RANGE',
    `fromPosition ${asked} is past the next ${kind} position to be written (${nextToBeWritten})`,
  );
}
