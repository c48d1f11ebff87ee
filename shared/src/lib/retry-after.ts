/**
 * Milliseconds to wait from an HTTP `Retry-After` value (RFC 9110 section 10.2.3): either
 * delay-seconds or an HTTP-date. Undefined when absent or unreadable; never negative.
 */
export function parseRetryAfter(
  value: string | null | undefined,
  nowMs: number,
): number | undefined {
  if (value == null) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  // HTTP-dates start with a day name; anything else (e.g. "-1") is unreadable.
  const at = /^[A-Za-z]{3},? /.test(text) ? Date.parse(text) : NaN;
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - nowMs);
}
