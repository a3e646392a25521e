import { MongoNetworkError, MongoServerError } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { UnavailableError, VersionConflictError } from '../errors';
import { toStoreError } from './errors';

describe('toStoreError', () => {
  it('turns driver failures into UnavailableError', () => {
    expect(toStoreError(new MongoNetworkError('connection reset'))).toBeInstanceOf(UnavailableError);
    expect(toStoreError(new MongoServerError({ message: 'boom', code: 2 }))).toBeInstanceOf(UnavailableError);
  });

  it('turns a raw socket error the driver let escape into UnavailableError (seen during a database restart)', () => {
    const epipe = Object.assign(new Error('This socket has been ended by the other party'), { code: 'EPIPE' });
    const mapped = toStoreError(epipe);
    expect(mapped).toBeInstanceOf(UnavailableError);
    expect((mapped as Error).message).not.toContain('socket');
  });

  it('leaves store errors and our own bugs alone', () => {
    const conflict = new VersionConflictError(1, 2);
    expect(toStoreError(conflict)).toBe(conflict);
    const bug = new TypeError('x is undefined');
    expect(toStoreError(bug)).toBe(bug);
  });
});
