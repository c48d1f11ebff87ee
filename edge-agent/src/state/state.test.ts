import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { revocation } from '../../test/integration/records.ts';
import { migrate } from './db.ts';
import { createEdgeState, openEdgeState } from './index.ts';
import { MIGRATIONS } from './migrations.ts';

describe('edge state', () => {
  it('migrates once: a second run applies nothing', () => {
    const state = openEdgeState({ file: ':memory:' });
    expect(migrate(state.db)).toEqual([]);
    expect(state.db.pragma('journal_mode', { simple: true })).toBe('memory');
  });

  it('rewrites unsent entry events of the old format into grant and annul events', () => {
    const [E1, E2] = ['evt_01J00000000000000000000001', 'evt_01J00000000000000000000002'];
    const INV = 'inv_01J00000000000000000000001';
    const db = new Database(':memory:');
    migrate(db, MIGRATIONS.slice(0, 1));
    const add = db.prepare(
      'INSERT INTO entry_outbox (event_id, payload, created_at) VALUES (?, ?, 0)',
    );
    const at = '2026-11-25T12:00:00.000Z';
    const old = { invitationId: INV, deviceId: 'dev_a', gate: 'g', at };
    add.run(E1, JSON.stringify({ ...old, eventId: E1, admit: 2 }));
    add.run(E2, JSON.stringify({ ...old, eventId: E2, admit: -2, annuls: E1 }));
    db.prepare(
      `INSERT INTO entry_events (event_id, invitation_id, device_id, delta, applied_at)
       VALUES (?, ?, 'dev_a', 1, 7)`,
    ).run(E1, INV);
    expect(migrate(db)).toEqual([2, 3, 4, 5, 6]);
    const { outbox } = createEdgeState(db);
    expect(outbox.pending(10).map((p) => p.event)).toEqual([
      {
        type: 'grant',
        eventId: E1,
        deviceId: 'dev_a',
        gate: 'g',
        at,
        invitationId: INV,
        admit: 2,
        reason: 'OK',
      },
      { type: 'annul', eventId: E2, deviceId: 'dev_a', gate: 'g', at, annuls: E1 },
    ]);
    expect(db.prepare('SELECT kind, at_ms FROM entry_events').get()).toEqual({
      kind: 'grant',
      at_ms: 7,
    });
  });

  it('migration 3 drops the repeat rows of the old re-grant rule: they took no entry', () => {
    const db = new Database(':memory:');
    migrate(db, MIGRATIONS.slice(0, 2));
    const insert = db.prepare(
      `INSERT INTO grants (event_id, invitation_id, gate, at_ms, admit, entries_left, repeat_of)
       VALUES (?, 'inv_a', 'g', 0, 3, 0, ?)`,
    );
    insert.run('evt_grant', null);
    insert.run('evt_repeat', 'evt_grant');
    expect(migrate(db)).toEqual([3, 4, 5, 6]);
    const { invitations, scanIds } = createEdgeState(db);
    expect(invitations.findGrant('evt_grant')).toMatchObject({ admit: 3, annulledAt: null });
    expect(invitations.findGrant('evt_grant')).not.toHaveProperty('repeatOf');
    expect(invitations.findGrant('evt_repeat')).toBeUndefined();
    expect(scanIds.find('T1:1')).toBeUndefined();
  });

  it('keeps the decision of each scanId until pruned', () => {
    const { scanIds } = openEdgeState({ file: ':memory:' });
    const decision = {
      decision: 'deny' as const,
      reason: 'MALFORMED' as const,
      invitationId: null,
      admit: 0,
      entriesLeft: 0,
      validUntil: null,
      gate: 'T1',
      eventId: 'evt_1',
      decidedAt: '2026-11-25T12:00:00.000Z',
      offline: false,
      scanId: 'T1:1',
    };
    scanIds.record({ scanId: 'T1:1', codeSha256: 'a'.repeat(64), gate: 'T1', decision, atMs: 10 });
    expect(scanIds.find('T1:1')).toEqual({
      scanId: 'T1:1',
      codeSha256: 'a'.repeat(64),
      gate: 'T1',
      decision,
      atMs: 10,
    });
    scanIds.record({ scanId: 'T1:1', codeSha256: 'b'.repeat(64), gate: 'T2', decision, atMs: 20 });
    expect(scanIds.find('T1:1')).toMatchObject({ gate: 'T2', atMs: 20 });
    expect(scanIds.prune(20)).toBe(0);
    expect(scanIds.prune(21)).toBe(1);
    expect(scanIds.find('T1:1')).toBeUndefined();
  });

  it('applies revocations in seq order only, ignoring repeats and reporting gaps', () => {
    const { invitations } = openEdgeState({ file: ':memory:' });
    expect(invitations.applyRevocation(revocation(1))).toBe('applied');
    expect(invitations.applyRevocation(revocation(1))).toBe('duplicate');
    expect(invitations.applyRevocation(revocation(3))).toBe('gap');
    expect(invitations.revocationSeq()).toBe(1);
    expect(invitations.stateOf('inv_1').revoked).toBe(true);
    expect(invitations.stateOf('inv_3').revoked).toBe(false);
    expect(invitations.pruneRevocations(2_000_000_001)).toBe(1);
  });

  it('serves trusted time from memory, fresh after every write and never a rolled-back one', () => {
    const { db, trustedTime } = openEdgeState({ file: ':memory:' });
    expect(trustedTime.get()).toBeUndefined();
    trustedTime.raise(1_000, 'mqtt');
    expect(trustedTime.get()).toMatchObject({ trustedMs: 1_000, source: 'mqtt', skewMs: null });
    trustedTime.measure(5_000, 5_200, 'cloud');
    expect(trustedTime.get()).toMatchObject({ trustedMs: 5_000, skewMs: 200, measuredAt: 5_200 });
    const rolledBack = db.transaction(() => {
      trustedTime.raise(9_000, 'mqtt');
      expect(trustedTime.get()?.trustedMs).toBe(9_000);
      throw new Error('abort');
    });
    expect(rolledBack).toThrow('abort');
    expect(trustedTime.get()?.trustedMs).toBe(5_000);
  });
});
