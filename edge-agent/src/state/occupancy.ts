import { loungeConfigSchema, type LoungeConfig } from '@lounge/shared';
import { prep, type Db } from './db.ts';
import { MetaStore } from './meta.ts';

const CONFIG_KEY = 'lounge_config';

interface Memo {
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
 * rolled-back write can never leave its rows in it (a later insert may reuse their rowids).
 */
export class OccupancyStore {
  private readonly meta: MetaStore;
  private memo: Memo | null = null;

  constructor(private readonly db: Db) {
    this.meta = new MetaStore(db);
  }

  /** Σ people of the events counting after `sinceMs` (null: all): inside before max(0, …). */
  sum(sinceMs: number | null): number {
    const since = sinceMs ?? Number.MIN_SAFE_INTEGER;
    const base = this.memo?.since === sinceMs ? this.memo : { since: sinceMs, rowid: 0, sum: 0 };
    const r = prep<[number, number], { s: number | null; m: number | null }>(
      this.db,
      `SELECT sum(people) AS s, (SELECT max(rowid) FROM entry_events) AS m
         FROM entry_events WHERE rowid > ? AND counts_at > ?`,
    ).get(base.rowid, since)!;
    const sum = base.sum + (r.s ?? 0);
    if (!this.db.inTransaction) this.memo = { since: sinceMs, rowid: r.m ?? 0, sum };
    return sum;
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
