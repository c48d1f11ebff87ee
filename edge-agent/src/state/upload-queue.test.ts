import { describe, expect, it } from 'vitest';
import { accessRecord } from '../../test/integration/records.ts';
import { openEdgeState, type EdgeState } from './index.ts';
import { UploadQueue } from './upload-queue.ts';

function add(state: EdgeState, from: number, count: number): void {
  for (let i = from; i < from + count; i++) {
    state.accessLog.insert(accessRecord(`evt_${i}`, { annuls: 'evt_local_only' }));
  }
}

const ids = (b: { records: { eventId: string }[] } | undefined) => b?.records.map((r) => r.eventId);

describe('UploadQueue', () => {
  it('fixes a batch when formed: same members and id until uploaded, then the next', () => {
    const state = openEdgeState({ file: ':memory:' });
    const q = state.uploads;
    let n = 0;
    const newId = () => `b${++n}`;
    expect(q.next(3, newId)).toBeUndefined();
    add(state, 1, 4);
    const first = q.next(3, newId)!;
    expect([first.batchId, ids(first)]).toEqual(['b1', ['evt_1', 'evt_2', 'evt_3']]);
    add(state, 5, 2);
    expect(q.next(3, newId)).toEqual(first);
    // Asked again (a retry, or a new queue after a restart) with another size: unchanged.
    const again = new UploadQueue(state.db).next(500, newId)!;
    expect([again.batchId, ids(again)]).toEqual(['b1', ['evt_1', 'evt_2', 'evt_3']]);
    expect(q.lastUploadAt()).toBeNull();
    q.markUploaded(first, Date.UTC(2026, 10, 25));
    expect(q.pending()).toBe(3);
    expect(q.lastUploadAt()).toBe('2026-11-25T00:00:00.000Z');
    const second = q.next(500, newId)!;
    expect([second.batchId, ids(second)]).toEqual(['b2', ['evt_4', 'evt_5', 'evt_6']]);
    expect(Object.keys(second.records[0]!)).not.toContain('annuls');
  });

  it('caps batches at 500 and prunes only uploaded rows', () => {
    const state = openEdgeState({ file: ':memory:' });
    const q = state.uploads;
    add(state, 1, 502);
    const b = q.next(10_000, () => 'big')!;
    expect(b.records).toHaveLength(500);
    q.markUploaded(b, 1000);
    expect(q.prune(999)).toBe(0);
    expect(q.prune(1001)).toBe(500);
    expect(q.pending()).toBe(2);
  });
});
