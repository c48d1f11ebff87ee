import { loungeConfigSchema, type LoungeConfig } from '@lounge/shared';
import { prep, type Db } from './db.ts';
import { MetaStore } from './meta.ts';

const CONFIG_KEY = 'lounge_config';

/** A sum of the count and the rows it covers: the memo, or a reading taken by a writer. */
export interface OccupancySum {
  since: number | null;
  /** The highest entry_events rowid the sum covers. */
  rowid: number;
  sum: number;
}

/**
 * The occupancy side of the edge state (SPEC.md 8): the lounge config, the signed sum of the
 * `people` of lounge events counting since a closing time, and turnstile passage ids.
 *
 * The sum is kept incrementally: rows are only ever appended to entry_events (each with its
 * fixed contribution), so a memo of (since, last rowid, sum) plus the rows after that rowid
 * gives the total. The memo only advances outside a transaction, i.e. over committed rows: a
 * rolled-back write can never leave its rows in it (a later insert may reuse their rowids),
 * or through `adopt`, by a writer that knows its transaction committed.
 */
export class OccupancyStore {
  private readonly meta: MetaStore;
  private memo: OccupancySum | null = null;

  constructor(private readonly db: Db) {
    this.meta = new MetaStore(db);
  }

  /** Σ people of the events counting after `sinceMs` (null: all): inside before max(0, …). */
  sum(sinceMs: number | null): number {
    return this.read(sinceMs).sum;
  }

  /** `sum`, with the rows it covers: a writer hands it to `adopt` once it has committed. */
  read(sinceMs: number | null): OccupancySum {
    const since = sinceMs ?? Number.MIN_SAFE_INTEGER;
    const base = this.memo?.since === sinceMs ? this.memo : { since: sinceMs, rowid: 0, sum: 0 };
    const r = prep<[number, number], { s: number | null; m: number | null }>(
      this.db,
      `SELECT sum(people) AS s, (SELECT max(rowid) FROM entry_events) AS m
         FROM entry_events WHERE rowid > ? AND counts_at > ?`,
    ).get(base.rowid, since)!;
    const reading = { since: sinceMs, rowid: r.m ?? 0, sum: base.sum + (r.s ?? 0) };
    if (!this.db.inTransaction) this.memo = reading;
    return reading;
  }

  /**
   * Takes a reading made inside a transaction that has since committed as the memo, so the
   * next read outside a transaction (a statement of its own: a WAL read lock, ~25 µs against
   * ~3 inside one) has no rows to catch up on, or need not run at all (`LoungeOccupancy`).
   */
  adopt(reading: OccupancySum): void {
    const m = this.memo;
    if (m === null || m.since !== reading.since || reading.rowid > m.rowid) this.memo = reading;
  }

  /** The memo's sum when it is for `sinceMs` (the count as of the last committed reading). */
  memoSum(sinceMs: number | null): number | undefined {
    return this.memo?.since === sinceMs ? this.memo.sum : undefined;
  }

  /** The lounge config last received (MQTT, cloud), or null before the first. */
  config(): LoungeConfig | null {
    const raw = this.meta.get(CONFIG_KEY);
    if (!raw) return null;
    const parsed = loungeConfigSchema.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : null;
  }

  /** Keeps `config` unless the one held is newer; true when it was stored. */
  saveConfig(config: LoungeConfig): boolean {
    const held = this.config();
    if (held && Date.parse(held.updatedAt) > Date.parse(config.updatedAt)) return false;
    if (held && JSON.stringify(held) === JSON.stringify(config)) return false;
    this.meta.set(CONFIG_KEY, JSON.stringify(config));
    return true;
  }

  /** The exit event a passage id was counted in, if seen at or after `sinceMs`. */
  passage(passageId: string, sinceMs: number): string | undefined {
    return prep<[string, number], { event_id: string }>(
      this.db,
      'SELECT event_id FROM passage_ids WHERE passage_id = ? AND at_ms >= ?',
    ).get(passageId, sinceMs)?.event_id;
  }

  /** Records (or replaces an expired) passage id; forgets those older than `pruneBeforeMs`. */
  recordPassage(passageId: string, eventId: string, atMs: number, pruneBeforeMs: number): void {
    prep(this.db, 'DELETE FROM passage_ids WHERE at_ms < ?').run(pruneBeforeMs);
    prep(
      this.db,
      `INSERT INTO passage_ids (passage_id, event_id, at_ms) VALUES (?, ?, ?)
       ON CONFLICT (passage_id) DO UPDATE SET event_id = excluded.event_id, at_ms = excluded.at_ms`,
    ).run(passageId, eventId, atMs);
  }
}
