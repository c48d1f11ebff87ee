import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor, outboxValues } from './rows.ts';

describe('cursors', () => {
  it('round-trip and reject foreign strings', () => {
    expect(decodeCursor(encodeCursor(1234, 'inv_X'))).toEqual({ createdAt: 1234, id: 'inv_X' });
    expect(decodeCursor('not-a-cursor')).toBeNull();
    expect(decodeCursor(Buffer.from('{"a":1}').toString('base64url'))).toBeNull();
  });
});

describe('outbox order key', () => {
  const base = { id: 'evt_1', kind: 'crm' as const, createdAt: 5 };
  it('defaults to the payload invitationId, else none; an explicit key wins', () => {
    expect(outboxValues({ ...base, payload: '{"invitationId":"inv_A"}' })[2]).toBe('inv_A');
    expect(outboxValues({ ...base, payload: '{"record":{"invitationId":"inv_A"}}' })[2]).toBeNull();
    expect(outboxValues({ ...base, payload: 'not json' })[2]).toBeNull();
    expect(outboxValues({ ...base, payload: '{"invitationId":"inv_A"}', orderKey: 'k' })[2]).toBe(
      'k',
    );
    expect(
      outboxValues({ ...base, payload: '{"invitationId":"inv_A"}', orderKey: null })[2],
    ).toBeNull();
  });
});
