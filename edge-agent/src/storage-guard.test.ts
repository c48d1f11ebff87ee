import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProblemError } from '@lounge/shared';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from './state/db.ts';
import { RESERVE_FILE, StorageGuard } from './storage-guard.ts';

const full = (): Error =>
  Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });

describe('StorageGuard', () => {
  let dir: string;
  let db: Db;
  let free: number;
  let guard: StorageGuard;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'edge-storage-'));
    db = openDatabase(dir);
    free = 10_000_000;
    guard = new StorageGuard({
      db,
      dataDir: dir,
      log: pino({ level: 'silent' }),
      reserveBytes: 64 * 1024,
      freeBytes: () => free,
    });
    guard.replenish();
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const reserve = () => join(dir, RESERVE_FILE);

  it('keeps a reserve file of the configured size', () => {
    expect(statSync(reserve()).size).toBe(64 * 1024);
    expect(guard.status()).toBeNull();
  });

  it('frees the WAL first, then the reserve, and degrades until space is back', () => {
    let once = 1;
    guard.write(() => {
      if (once-- > 0) throw full();
    });
    // One failure: folding the WAL back was enough, the reserve is still whole.
    expect(statSync(reserve()).size).toBe(64 * 1024);
    expect(guard.status()).toMatch(/^SQLITE_FULL: disk full/);

    let failures = 2;
    const answer = guard.write(() => {
      if (failures-- > 0) throw full();
      return 'recorded';
    });
    expect(answer).toBe('recorded');
    expect(existsSync(reserve())).toBe(false);
    expect(guard.status()).toMatch(/^SQLITE_FULL: disk full/);

    free = 100 * 1024; // less than twice the reserve: still degraded
    guard.replenish();
    expect(guard.status()).not.toBeNull();
    free = 1_000_000;
    guard.replenish();
    expect(guard.status()).toBeNull();
    expect(statSync(reserve()).size).toBe(64 * 1024);
  });

  it('refuses with 503 NOT_READY once nothing is left to free', () => {
    const attempt = () =>
      guard.write(() => {
        throw Object.assign(new Error('disk I/O error'), { code: 'SQLITE_IOERR_WRITE' });
      });
    expect(attempt).toThrow(ProblemError);
    try {
      attempt();
    } catch (err) {
      expect((err as ProblemError).status).toBe(503);
      expect((err as ProblemError).code).toBe('NOT_READY');
    }
    expect(guard.status()).toMatch(/reserve used up/);
  });

  it('lets other errors through untouched', () => {
    expect(() =>
      guard.write(() => {
        throw Object.assign(new Error('constraint'), { code: 'SQLITE_CONSTRAINT' });
      }),
    ).toThrow('constraint');
    expect(guard.status()).toBeNull();
    expect(existsSync(reserve())).toBe(true);
  });
});
