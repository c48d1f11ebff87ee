import type { LoungeEvent } from '../lounge-events/schema.ts';

/** What a lounge's box shows and decides by: people inside, and the lounge's capacity. */
export interface Occupancy {
  inside: number;
  /** Null when the lounge has no capacity set: never LOUNGE_FULL. */
  capacity: number | null;
}

/**
 * People inside (SPEC.md 8): max(0, Σ grant.admit − Σ annulled grants' admit − Σ exit.count
 * + Σ adjust.delta) over the lounge events held whose `at` is after `sinceMs` (the last closing
 * time; null: every event). An annul takes back its grant's admit when that grant counts, once,
 * whenever the annul itself happened. Events may come in any order and more than once (by
 * eventId): boxes holding the same events agree.
 */
export function insideOf(events: readonly LoungeEvent[], sinceMs: number | null): number {
  const after = (at: string) => sinceMs === null || Date.parse(at) > sinceMs;
  const seen = new Set<string>();
  const grants = new Map<string, number>();
  const annulled = new Set<string>();
  let total = 0;
  for (const e of events) {
    if (seen.has(e.eventId)) continue;
    seen.add(e.eventId);
    if (e.type === 'annul') annulled.add(e.annuls);
    else if (!after(e.at)) continue;
    else if (e.type === 'grant') grants.set(e.eventId, e.admit);
    else if (e.type === 'exit') total -= e.count;
    else total += e.delta;
  }
  for (const [eventId, admit] of grants) if (!annulled.has(eventId)) total += admit;
  return Math.max(0, total);
}

/** Whether admitting `admit` more people would take the lounge above its capacity. */
export function wouldOverfill(o: Occupancy, admit: number): boolean {
  return o.capacity !== null && o.inside + admit > o.capacity;
}
