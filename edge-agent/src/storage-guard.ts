import { existsSync, statSync, statfsSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ProblemError } from '@lounge/shared';
import type { Logger } from 'pino';
import { isSqliteError, type Db } from './state/db.ts';

/** SQLite's answers for a disk that is full or failing. */
const STORAGE_ERROR = /^SQLITE_(FULL|IOERR)/;

export const RESERVE_FILE = 'storage-reserve.bin';
const DEFAULT_RESERVE_BYTES = 4 * 1024 * 1024;

export interface StorageGuardOptions {
  db: Db;
  dataDir: string;
  log: Logger;
  /** Upper bound of the reserve; it is also kept under a tenth of the free space. */
  reserveBytes?: number;
  /** Free bytes on the data dir's file system (injectable for tests). */
  freeBytes?: (dir: string) => number;
}

const freeBytesOf = (dir: string): number => {
  const s = statfsSync(dir);
  return s.bavail * s.bsize;
};

/**
 * Keeps decisions recordable when the disk fills up (SPEC.md 8: every decision is logged
 * before it is answered). A reserve file is kept in `dataDir`; when SQLite reports a full
 * disk, the WAL is checkpointed and truncated, then the reserve is given up, and the write is
 * retried. Health is degraded from the first full-disk error until there is room for the
 * reserve again. Only when nothing is left does a decision fail, as 503 NOT_READY.
 */
export class StorageGuard {
  private readonly reservePath: string;
  private readonly freeBytes: (dir: string) => number;
  private problem: string | null = null;
  private reserveSize: number | undefined;

  constructor(private readonly opts: StorageGuardOptions) {
    this.reservePath = join(opts.dataDir, RESERVE_FILE);
    this.freeBytes = opts.freeBytes ?? freeBytesOf;
  }

  /** Free bytes on the data dir's file system now, or null when it cannot be read. */
  free(): number | null {
    try {
      return this.freeBytes(this.opts.dataDir);
    } catch {
      return null;
    }
  }

  /** Why storage is degraded, or null while it is healthy. */
  status(): string | null {
    return this.problem;
  }

  /**
   * Makes sure the reserve exists; clears a degraded state once it could be (re)made with
   * room to spare. Call at start and now and then.
   */
  replenish(): void {
    try {
      const free = this.freeBytes(this.opts.dataDir);
      // Sized once: the configured bound, or a tenth of the free space on a small disk.
      this.reserveSize ??= Math.min(
        this.opts.reserveBytes ?? DEFAULT_RESERVE_BYTES,
        Math.floor(free / 10),
      );
      const size = this.reserveSize;
      if (existsSync(this.reservePath) && statSync(this.reservePath).size > 0) {
        if (this.problem && free >= size) this.recovered();
        return;
      }
      // Room for the reserve and as much again: otherwise the disk is still (nearly) full.
      if (size <= 0 || (this.problem && free < 2 * size)) return;
      writeFileSync(this.reservePath, Buffer.alloc(size), { mode: 0o600 });
      if (this.problem) this.recovered();
    } catch (err) {
      this.opts.log.warn({ err }, 'could not create the storage reserve');
    }
  }

  /** Runs a write transaction, freeing space and retrying when the disk is full. */
  write<T>(transaction: () => T): T {
    for (const free of [() => this.truncateWal(), () => this.releaseReserve()]) {
      try {
        const result = transaction();
        // While the disk is full the WAL is folded back after every write, so the space left
        // goes to the data (~0.5 KB a decision), not to WAL pages (~16 KB a decision).
        if (this.problem) this.truncateWal();
        return result;
      } catch (err) {
        if (!isSqliteError(err, STORAGE_ERROR)) throw err;
        this.problem = `${err.code}: disk full or failing; decisions are recorded on the reserve`;
        this.opts.log.error({ err }, 'storage: a write failed; freeing space and retrying');
        free();
      }
    }
    try {
      return transaction();
    } catch (err) {
      if (!isSqliteError(err, STORAGE_ERROR)) throw err;
      this.problem = `${err.code}: disk full and the reserve used up; decisions are refused`;
      throw new ProblemError('NOT_READY', 'storage full or failing: the decision was not recorded');
    }
  }

  private truncateWal(): void {
    try {
      this.opts.db.pragma('wal_checkpoint(TRUNCATE)');
    } catch (err) {
      this.opts.log.warn({ err }, 'storage: WAL checkpoint failed');
    }
  }

  private releaseReserve(): void {
    try {
      unlinkSync(this.reservePath);
      this.opts.log.error('storage: disk full; running on the reserve');
    } catch {
      // Already used: nothing more to give.
    }
    this.truncateWal();
  }

  private recovered(): void {
    this.opts.log.info('storage: space is back; the reserve is in place again');
    this.problem = null;
  }
}
