import type { ValidationIssue } from '@eventlane/contracts';
import type { OutboxError } from './types.js';

/** The append could not be written to IndexedDB (e.g. the quota is exhausted); nothing was queued. */
export class OutboxStorageError extends Error {
  constructor(
    readonly detail: OutboxError,
    options?: { cause?: unknown },
  ) {
    super(detail.message, options);
    this.name = 'OutboxStorageError';
  }

  get isQuotaExceeded(): boolean {
    return this.detail.kind === 'quota';
  }
}

/** The append would be refused by the server (bad names, events or limits), so it is not queued. */
export class InvalidAppendError extends Error {
  constructor(readonly issues: ValidationIssue[]) {
    super(`Invalid append: ${issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`);
    this.name = 'InvalidAppendError';
  }
}

/** The outbox entry is missing or not in a state that allows this operation (e.g. rebase of an entry without a conflict). */
export class OutboxEntryStateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OutboxEntryStateError';
  }
}
