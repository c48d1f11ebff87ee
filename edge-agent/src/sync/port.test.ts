import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock, systemTimers, type RevocationPage } from '@lounge/shared';
import Database from 'better-sqlite3';
import pino from 'pino';
import { revocation } from '../../test/integration/records.ts';
import { describe, expect, it } from 'vitest';
import { openEdgeState } from '../state/index.ts';
import { createSyncPort } from './port.ts';
import { RevocationSync } from './revocation-sync.ts';

const self = { deviceId: 'dev_self', loungeId: 'MAD-T4S-X' };

describe('createSyncPort over a bare edge state', () => {
  it('applies a feed page in one transaction that holds the write lock from its start', () => {
    // `lounge-provision staff` writes edge.db from its own process. A transaction that read
    // first and wrote after such a commit would fail (SQLITE_BUSY_SNAPSHOT); this one took the
    // lock at BEGIN, so the other writer is the one told to wait.
    const dir = mkdtempSync(join(tmpdir(), 'edge-port-'));
    try {
      const state = openEdgeState({ file: join(dir, 'edge.db') });
      const other = new Database(join(dir, 'edge.db'));
      other.pragma('busy_timeout = 0');
      const port = createSyncPort(state, new ManualClock(), { self });
      let otherWrite = '';
      port.transaction(() => {
        expect(port.revocationSeq()).toBe(0);
        try {
          other.prepare("INSERT INTO meta (key, value) VALUES ('probe', 'x')").run();
          otherWrite = 'committed';
        } catch (err) {
          otherWrite = (err as { code?: string }).code ?? String(err);
        }
        expect(port.applyRevocation(revocation(1))).toBe('applied');
      });
      expect(otherWrite).toBe('SQLITE_BUSY');
      expect(port.revocationSeq()).toBe(1);
      other.close();
      state.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

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
