import { wallClock } from '@lounge/shared';

/** The box's own time zone: the fallback until the lounge's zone reaches the console. */
export const localTimeZone = (): string => Intl.DateTimeFormat().resolvedOptions().timeZone;

/**
 * The instant (ms) the day containing `nowMs` began in `timeZone`: "today" on the console is
 * the lounge's day (SPEC.md 8). Exact across daylight-saving changes, which happen at night.
 */
export function startOfDay(nowMs: number, timeZone: string): number {
  const wall = wallClock(nowMs, timeZone);
  const offset = wall - Math.floor(nowMs / 1000) * 1000;
  const midnightWall = wall - (wall % 86_400_000);
  let guess = midnightWall - offset;
  // The offset at midnight may differ from now's (a DST change in between): correct once.
  const offsetThen = wallClock(guess, timeZone) - guess;
  if (offsetThen !== offset) guess = midnightWall - offsetThen;
  return guess;
}

/** `HH:MM:SS` of an instant in `timeZone`. */
export function clockTime(ms: number, timeZone: string): string {
  return new Date(wallClock(ms, timeZone)).toISOString().slice(11, 19);
}
