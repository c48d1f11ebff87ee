/**
 * One readable line per pino event (`LOG_FORMAT=pretty`, SPEC.md 3): local time, level,
 * message, then the other fields as key=value. Written here rather than taken from
 * pino-pretty so a production box needs no dev dependency to log; pure (the caller writes).
 */

const LEVELS: Record<number, string> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO ',
  40: 'WARN ',
  50: 'ERROR',
  60: 'FATAL',
};

/** Fields every line has, or that say nothing to a person reading a terminal. */
const SKIPPED = new Set(['time', 'level', 'msg', 'pid', 'hostname', 'service', 'v']);

const MAX_VALUE = 160;

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** `HH:MM:SS.mmm` in the machine's time zone (the person at the terminal reads local time). */
export function clockTime(ms: number): string {
  const d = new Date(ms);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

function show(value: unknown): string {
  if (typeof value === 'string') {
    const text = value.length > MAX_VALUE ? `${value.slice(0, MAX_VALUE)}…` : value;
    return /[\s"=]/.test(text) || text === '' ? JSON.stringify(text) : text;
  }
  const text = JSON.stringify(value) ?? String(value);
  return text.length > MAX_VALUE ? `${text.slice(0, MAX_VALUE)}…` : text;
}

/** An `err` field as one phrase: its message (and code), never the stack. */
function showError(err: unknown): string {
  if (typeof err !== 'object' || err === null) return show(err);
  const e = err as { message?: unknown; code?: unknown; type?: unknown };
  const message = typeof e.message === 'string' ? e.message.split('\n')[0]! : show(err);
  return show(typeof e.code === 'string' ? `${message} (${e.code})` : message);
}

/**
 * Formats one pino JSON line; a line that is not JSON is returned as it was. `time` renders
 * the timestamp (default: local `HH:MM:SS.mmm`).
 */
export function prettyLogLine(json: string, time: (ms: number) => string = clockTime): string {
  let event: Record<string, unknown>;
  try {
    event = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json.trimEnd();
  }
  if (typeof event !== 'object' || event === null) return json.trimEnd();
  const level = LEVELS[Number(event.level)] ?? String(event.level ?? '').padEnd(5);
  const at = typeof event.time === 'number' ? time(event.time) : '';
  const fields = Object.entries(event)
    .filter(([k, v]) => !SKIPPED.has(k) && v !== undefined)
    .map(([k, v]) => `${k}=${k === 'err' ? showError(v) : show(v)}`);
  const msg = typeof event.msg === 'string' ? event.msg : '';
  return [at, level, msg, ...fields].filter((p) => p !== '').join(' ');
}

/** A pino destination (`{ write }`) that prints each event as one readable line. */
export function prettyDestination(
  write: (line: string) => void,
  time?: (ms: number) => string,
): { write(chunk: string): void } {
  return { write: (chunk) => write(`${prettyLogLine(chunk, time)}\n`) };
}

/** `json` or `pretty`; `undefined` picks pretty on a terminal (SPEC.md 3, `LOG_FORMAT`). */
export type LogFormat = 'json' | 'pretty';

/** The format to use: the configured one, else pretty on a TTY and JSON otherwise. */
export function logFormatFor(configured: LogFormat | undefined, isTty: boolean): LogFormat {
  return configured ?? (isTty ? 'pretty' : 'json');
}
