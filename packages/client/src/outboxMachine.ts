import type { OutboxState } from './types.js';

/**
 * What happens to an outbox entry. The sync engine and the operator controls move an entry only
 * by naming one of these; `OUTBOX_TRANSITIONS` says where each leads.
 */
export type OutboxEvent =
  /** The syncing tab takes the entry into a request. */
  | 'send'
  /** The server stored it (200), or reading the stream showed it stored already. */
  | 'stored'
  /** 409: the stream is not at the expected version. */
  | 'version_conflict'
  /** Refused for good: 400, 413 alone, or its ids are stored elsewhere or in part. */
  | 'refused'
  /** 401/403: the API key was refused. */
  | 'unauthorized'
  /** Back in the queue without a verdict: network error, 429/5xx, split of a coalesced request, leadership moved. */
  | 'requeue'
  /** Operator: send again as it is. */
  | 'retry'
  /** Operator: send against the stream's current version. */
  | 'rebase'
  /** Operator: new events (and ids) for an entry the server has certainly not stored. */
  | 'edit'
  /** Operator: `resume()` or a new API key ends a pause. */
  | 'resume';

/**
 * The outbox's state machine: state × event → state. A pair missing here cannot happen; an
 * entry is created `pending`, `synced` is final (`clearSynced` removes it), and `discard` deletes
 * an entry in any state but `syncing`.
 */
export const OUTBOX_TRANSITIONS: { readonly [S in OutboxState]: Readonly<Partial<Record<OutboxEvent, OutboxState>>> } = {
  pending: { send: 'syncing', retry: 'pending', edit: 'pending' },
  syncing: { stored: 'synced', version_conflict: 'conflict', refused: 'rejected', unauthorized: 'paused', requeue: 'pending' },
  conflict: { retry: 'pending', rebase: 'pending', edit: 'pending' },
  rejected: { retry: 'pending', edit: 'pending' },
  paused: { resume: 'pending', retry: 'pending', edit: 'pending' },
  synced: {},
};

/** The state an entry is created in. */
export const INITIAL_STATE: OutboxState = 'pending';

export class IllegalTransitionError extends Error {
  constructor(
    readonly from: OutboxState,
    readonly event: OutboxEvent,
  ) {
    super(`An outbox entry in state ${from} cannot take the event ${event}`);
    this.name = 'IllegalTransitionError';
  }
}

/** Where `event` takes an entry in state `from`; throws `IllegalTransitionError` for a pair the table lacks. */
export function nextState(from: OutboxState, event: OutboxEvent): OutboxState {
  const to = OUTBOX_TRANSITIONS[from][event];
  if (to === undefined) throw new IllegalTransitionError(from, event);
  return to;
}

/** Whether `event` is allowed in state `from`. */
export function canTake(from: OutboxState, event: OutboxEvent): boolean {
  return OUTBOX_TRANSITIONS[from][event] !== undefined;
}
