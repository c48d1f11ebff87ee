const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

const DURATION_RE = /^(\d+)(s|m|h|d)$/;

/**
 * Parses `4h`, `30m`, `90s`, `2d` (or a bare number of seconds) into seconds.
 * Throws a RangeError naming the input when it is not a duration.
 */
export function parseDuration(input: string): number {
  const text = input.trim();
  if (/^\d+$/.test(text)) return Number(text);
  const match = DURATION_RE.exec(text);
  if (!match) {
    throw new RangeError(`not a duration: "${input}" (expected e.g. 90s, 30m, 4h, 2d)`);
  }
  return Number(match[1]) * UNIT_SECONDS[match[2]!]!;
}

/** Formats seconds as the largest whole unit, e.g. 14400 → `4h`. */
export function formatDuration(seconds: number): string {
  for (const unit of ['d', 'h', 'm'] as const) {
    const size = UNIT_SECONDS[unit]!;
    if (seconds >= size && seconds % size === 0) return `${seconds / size}${unit}`;
  }
  return `${seconds}s`;
}
