import { ManualTimers, type RevocationPage } from '@lounge/shared';
import pino from 'pino';
import { revocation } from '../../test/integration/records.ts';
import { describe, expect, it } from 'vitest';
import type { RevocationResult } from '../state/index.ts';
import { RevocationSync, type RevocationPort } from './revocation-sync.ts';

/** The store's seq rule, in memory. */
function fakePort() {
  const applied: number[] = [];
  let synced = 0;
  const port: RevocationPort = {
    applyRevocation: (m): RevocationResult => {
      const last = applied.at(-1) ?? 0;
      if (m.seq <= last) return 'duplicate';
      if (m.seq !== last + 1) return 'gap';
      applied.push(m.seq);
      return 'applied';
    },
    revocationSeq: () => applied.at(-1) ?? 0,
    markSynced: () => void synced++,
    markCloudContact: () => undefined,
  };
  return { port, applied, synced: () => synced };
}

/** A cloud feed over seqs 1..head, answering after a tick; `fail` makes the next calls throw. */
function fakeFeed(head: () => number) {
  const calls: number[] = [];
  let fail = 0;
  return {
    calls,
    failNext: (n: number) => void (fail = n),
    async page(after: number, limit: number): Promise<RevocationPage> {
      calls.push(after);
      await new Promise((r) => setTimeout(r, 1));
      if (fail > 0 && fail--) throw new Error('cloud down');
      const entries = [];
      for (let s = after + 1; s <= Math.min(head(), after + limit); s++)
        entries.push(revocation(s));
      return { entries, lastSeq: head() };
    },
  };
}

const log = pino({ level: 'silent' });

describe('RevocationSync', () => {
  it('applies the next seq, ignores old ones, catches up on a gap', async () => {
    const { port, applied } = fakePort();
    const feed = fakeFeed(() => 5);
    const sync = new RevocationSync({ port, feed, timers: new ManualTimers(), log });
    expect(sync.onRevocation(revocation(1))).toBe('applied');
    expect(sync.onRevocation(revocation(1))).toBe('duplicate');
    expect(sync.onRevocation(revocation(5))).toBe('gap');
    expect(sync.lag()).toBe(4);
    await sync.settled();
    expect(applied).toEqual([1, 2, 3, 4, 5]);
    expect(sync.lag()).toBe(0);
  });

  it('pages until caught up, and coalesces triggers into one more run', async () => {
    const { port, applied, synced } = fakePort();
    let head = 25;
    const feed = fakeFeed(() => head);
    const sync = new RevocationSync({
      port,
      feed,
      timers: new ManualTimers(),
      log,
      pageSize: 10,
    });
    const first = sync.trigger('connect');
    head = 27;
    void sync.trigger('head');
    void sync.trigger('poll');
    await first;
    await sync.settled();
    expect(applied).toHaveLength(27);
    expect(feed.calls).toEqual([0, 10, 20, 27]); // three pages, then one coalesced re-run
    expect(synced()).toBe(2);
  });

  it('a head ahead starts a catch-up; a head we have reached marks the edge synced', async () => {
    const { port, applied, synced } = fakePort();
    const feed = fakeFeed(() => 3);
    const sync = new RevocationSync({ port, feed, timers: new ManualTimers(), log });
    sync.onHead(3);
    await sync.settled();
    expect(applied).toEqual([1, 2, 3]);
    const before = synced();
    sync.onHead(2);
    expect(synced()).toBe(before + 1);
    expect(feed.calls).toHaveLength(1);
  });

  it('retries a failed catch-up with growing jittered backoff', async () => {
    const { port, applied } = fakePort();
    const feed = fakeFeed(() => 2);
    const timers = new ManualTimers();
    const sync = new RevocationSync({
      port,
      feed,
      timers,
      log,
      retry: { baseMs: 1000, maxMs: 8000 },
      random: () => 0.999,
    });
    feed.failNext(2);
    await sync.trigger('start');
    expect(timers.delays()).toEqual([999]);
    timers.runNext();
    await new Promise((r) => setTimeout(r, 20));
    expect(timers.delays()).toEqual([1999]);
    timers.runNext();
    await new Promise((r) => setTimeout(r, 20));
    expect(applied).toEqual([1, 2]);
  });
});
