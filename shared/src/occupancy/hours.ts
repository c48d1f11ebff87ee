import { z } from 'zod';

/** `HH:MM`, 24-hour clock, local to the lounge's time zone. */
export const clockTimeSchema = z
  .string()
  .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'expected a time of day like 06:30 (HH:MM, 24-hour)');

/** A lounge's opening hours (SPEC.md 5). `closes` may be before `opens` (open past midnight). */
export const openingHoursSchema = z.strictObject({
  opens: clockTimeSchema,
  closes: clockTimeSchema,
});
export type OpeningHours = z.infer<typeof openingHoursSchema>;

/** Parses the CLI spelling `HH:MM-HH:MM`; null when it is not one. */
export function parseHours(text: string): OpeningHours | null {
  const [opens, closes, extra] = text.split('-');
  const parsed = openingHoursSchema.safeParse({ opens, closes });
  return extra === undefined && parsed.success ? parsed.data : null;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** One cached formatter per zone: building one costs far more than using it. */
function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** Whether `timeZone` is an IANA zone this runtime knows. */
export function isTimeZone(timeZone: string): boolean {
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** The wall-clock reading in `timeZone` at `ms`, as if that reading were UTC (ms). */
export function wallClock(ms: number, timeZone: string): number {
  const p: Record<string, number> = {};
  for (const part of formatter(timeZone).formatToParts(ms)) {
    if (part.type !== 'literal') p[part.type] = Number(part.value);
  }
  return Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!);
}

/** How far `timeZone` is ahead of UTC at `ms`. */
const offsetAt = (ms: number, timeZone: string): number =>
  wallClock(ms, timeZone) - (ms - (((ms % 1000) + 1000) % 1000));

/**
 * The instant a wall-clock reading (given as if it were UTC) happens in `timeZone`. A reading
 * that happens twice (clocks going back) is the later one; one that never happens (clocks going
 * forward) is taken with the offset before the jump, so it lands as far after the jump as it
 * was after the reading the clocks left.
 */
function instantOf(wall: number, timeZone: string): number {
  const first = wall - offsetAt(wall, timeZone);
  const second = offsetAt(first, timeZone);
  return second === offsetAt(wall, timeZone) ? first : wall - second;
}

const DAY_MS = 86_400_000;

/** The instant of `hhmm` on the local day `dayOffset` days from the local day of `ms`. */
function closingOn(ms: number, dayOffset: number, hhmm: string, timeZone: string): number {
  const today = Math.floor(wallClock(ms, timeZone) / DAY_MS) * DAY_MS;
  const [h, m] = hhmm.split(':').map(Number) as [number, number];
  return instantOf(today + dayOffset * DAY_MS + h * 3_600_000 + m * 60_000, timeZone);
}

/**
 * The last closing time at or before `nowMs` and the next one after it, in the lounge's IANA
 * time zone (SPEC.md 8: occupancy resets at closing time). Null without opening hours: such a
 * lounge never resets by itself.
 */
export function closingTimes(
  nowMs: number,
  hours: OpeningHours | null,
  timeZone: string,
): { last: number; next: number } | null {
  if (!hours) return null;
  const candidates = [-2, -1, 0, 1, 2].map((d) => closingOn(nowMs, d, hours.closes, timeZone));
  const last = Math.max(...candidates.filter((c) => c <= nowMs));
  const next = Math.min(...candidates.filter((c) => c > nowMs));
  return { last, next };
}
