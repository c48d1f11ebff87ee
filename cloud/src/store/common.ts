import type { Clock } from '@lounge/shared';
import { CloudError } from '../errors.ts';
import type {
  IdempotencyClaim,
  IdempotencyRecord,
  InvitationFilter,
  OutboxKind,
  OutboxLane,
} from './port.ts';
import { decodeCursor, type Row } from './rows.ts';

/** What both adapters need from their surroundings. */
export interface StoreDeps {
  log: StoreLog;
  /** Only for housekeeping (pruning expired assertion jtis); defaults to the system clock. */
  clock?: Clock;
  /** PostgreSQL connections of this instance (DATABASE_POOL_SIZE, default 10); SQLite ignores it. */
  poolSize?: number;
}

/** The slice of a pino logger the store uses. */
export interface StoreLog {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** A completed idempotency key is kept this long; after it the key starts afresh. */
export const IDEMPOTENCY_TTL_MS = 24 * 3600_000;
/** A claim that never completed (its instance died) may be taken over after this long. */
export const IDEMPOTENCY_STALE_MS = 60_000;
/** Delivered outbox rows are kept this long (for inspection), then deleted. */
export const OUTBOX_RETENTION_MS = 7 * 24 * 3600_000;
/** Housekeeping deletes run at most this often per store instance. */
export const PRUNE_EVERY_MS = 60_000;

/** Whether a claimed-but-unanswered or long-completed key may be claimed again. */
export function idempotencyReclaimable(
  row: { responseStatus: number | null; createdAt: number },
  now: number,
): boolean {
  const age = now - row.createdAt;
  return row.responseStatus === null ? age >= IDEMPOTENCY_STALE_MS : age >= IDEMPOTENCY_TTL_MS;
}

/** The answer for a key someone else holds: still running, or its stored response. */
export function answerOf(record: IdempotencyRecord): IdempotencyClaim {
  return record.responseStatus === null
    ? { state: 'in-progress', record }
    : { state: 'completed', record };
}

/** The revocation's `exp` in seconds: the token's exp, rounded up so edges never prune early. */
export const revocationExp = (validUntilMs: number): number => Math.ceil(validUntilMs / 1000);

/** Parses a list cursor, or throws INVALID_REQUEST naming the field. */
export function parseCursor(cursor: string): { createdAt: number; id: string } {
  const parsed = decodeCursor(cursor);
  if (!parsed) throw new CloudError('INVALID_REQUEST', 'cursor: not a cursor this API issued');
  return parsed;
}

/** True at most once per `everyMs` (per instance): throttles opportunistic pruning. */
export function throttle(everyMs: number): (now: number) => boolean {
  let last = -Infinity;
  return (now) => {
    if (now - last < everyMs) return false;
    last = now;
    return true;
  };
}

/** `listInvitations` takes a customer id or a filter. */
export const filterOf = (filter: string | InvitationFilter): InvitationFilter =>
  typeof filter === 'string' ? { customerId: filter } : filter;

export const OUTBOX_KINDS: readonly OutboxKind[] = ['crm', 'ibdp', 'mqtt'];

/**
 * Builds `outboxLanes()` from the driver's rows: `counts` from OUTBOX_LANES, `errorOf(kind)`
 * the OUTBOX_LANE_ERROR row of a lane (pg returns BIGINTs as strings).
 */
export async function outboxLanesFrom(
  counts: readonly Row[],
  errorOf: (kind: OutboxKind) => Promise<Row | undefined>,
): Promise<Record<OutboxKind, OutboxLane>> {
  const lanes = {} as Record<OutboxKind, OutboxLane>;
  for (const kind of OUTBOX_KINDS) {
    const count = counts.find((r) => r.kind === kind);
    const e = await errorOf(kind);
    lanes[kind] = {
      pending: Number(count?.n ?? 0),
      oldestCreatedAt: count?.oldest == null ? null : Number(count.oldest),
      lastError: e
        ? {
            error: String(e.last_error),
            attempts: Number(e.attempts),
            nextAttemptAt: Number(e.next_attempt_at),
          }
        : null,
    };
  }
  return lanes;
}
