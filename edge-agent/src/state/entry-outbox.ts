import { loungeEventSchema, type LoungeEvent } from '@lounge/shared';
import { prep, type Db } from './db.ts';

/** Our lounge events (grants, annuls) waiting for the MQTT sync to publish them. */
export class EntryOutbox {
  constructor(private readonly db: Db) {}

  /** Queues an event; meant to run inside the decision's transaction. */
  enqueue(event: LoungeEvent, nowMs: number): void {
    prep(this.db, 'INSERT INTO entry_outbox (event_id, payload, created_at) VALUES (?, ?, ?)').run(
      event.eventId,
      JSON.stringify(event),
      nowMs,
    );
  }

  /** The oldest unpublished events, in order. */
  pending(limit: number): { id: number; event: LoungeEvent }[] {
    return prep<[number], { id: number; payload: string }>(
      this.db,
      'SELECT id, payload FROM entry_outbox WHERE published_at IS NULL ORDER BY id LIMIT ?',
    )
      .all(limit)
      .map((r) => ({ id: r.id, event: loungeEventSchema.parse(JSON.parse(r.payload)) }));
  }

  pendingCount(): number {
    return (
      prep<[], { n: number }>(
        this.db,
        'SELECT count(*) AS n FROM entry_outbox WHERE published_at IS NULL',
      ).get()?.n ?? 0
    );
  }

  markPublished(id: number, atMs: number): void {
    prep(this.db, 'UPDATE entry_outbox SET published_at = ? WHERE id = ?').run(atMs, id);
  }

  markAttempt(id: number): void {
    prep(this.db, 'UPDATE entry_outbox SET attempts = attempts + 1 WHERE id = ?').run(id);
  }
}
