/**
 * Dates for tests, always relative to a clock, never written out: a test that names a
 * calendar day breaks on that day (or after it). Flight dates are UTC calendar dates, as the
 * stand-in enrichment reads them, so the machine's time zone never matters.
 */

const DAY_MS = 86_400_000;

/** The UTC calendar date (`YYYY-MM-DD`) `days` after `nowMs` (default: the wall clock). */
export function utcDate(days = 0, nowMs: number = Date.now()): string {
  return new Date(nowMs + days * DAY_MS).toISOString().slice(0, 10);
}
