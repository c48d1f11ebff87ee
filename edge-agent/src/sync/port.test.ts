import { ManualClock, systemTimers, type RevocationPage } from '@lounge/shared';
import pino from 'pino';
import { revocation } from '../../test/integration/records.ts';
import { describe, expect, it } from 'vitest';
import { openEdgeState } from '../state/index.ts';
import { createSyncPort } from './port.ts';
import { RevocationSync } from './revocation-sync.ts';

const self = { deviceId: 'dev_self', loungeId: 'MAD-T4S-X' };

describe('createSyncPort over a bare edge state', () => {
  it('catches up through the real RevocationSync and keeps the sync time in meta', async () => {
    const state = openEdgeState({ file: ':memory:' });
    const clock = new ManualClock();
    const port = createSyncPort(state, clock, { self });
    const feed = {
      page: async (after: number, limit: number): Promise<RevocationPage> => {
        const entries = [];
        for (let s = after + 1; s <= Math.min(2500, after + limit); s++)
          entries.push(revocation(s));
        return { entries, lastSeq: 2500 };
      },
    };
    const sync = new RevocationSync({
      port,
      feed,
      timers: systemTimers,
      log: pino({ level: 'silent' }),
    });
    expect(port.lastSyncAt()).toBeNull();
    await sync.trigger('start');
    expect(port.revocationSeq()).toBe(2500);
    expect(state.invitations.stateOf('inv_2500').revoked).toBe(true);
    expect(port.lastSyncAt()).toBe(new Date(clock.now()).toISOString());
    // The port reads what it wrote: a second port over the same state sees the same time.
    expect(createSyncPort(state, clock, { self }).lastSyncAt()).toBe(port.lastSyncAt());
    expect(sync.onRevocation(revocation(2502))).toBe('gap');
    await sync.settled();
  });

  it('without the agent parts: no key fetch, drops and lounge config go to the state', async () => {
    const state = openEdgeState({ file: ':memory:' });
    const port = createSyncPort(state, new ManualClock(), { self });
    await expect(port.refreshKeys()).resolves.toBe(false);
    port.dropRetiredKeys(['k1']);
    expect(state.keys.all()).toEqual([]);
    const config = {
      capacity: 40,
      hours: null,
      timezone: 'Europe/Madrid',
      updatedAt: '2026-11-25T12:00:00.000Z',
    };
    expect(port.applyLoungeConfig(config)).toBe(true);
    expect(state.occupancy.config()).toMatchObject({ capacity: 40 });
  });
});
