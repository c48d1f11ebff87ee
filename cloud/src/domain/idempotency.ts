import { createHash } from 'node:crypto';
import { sleep } from '@lounge/shared';
import { CloudError } from '../errors.ts';
import type { CloudStore } from '../store/port.ts';

/** A stored (or fresh) answer: status and JSON body text. */
export interface StoredAnswer {
  status: number;
  body: string;
}

/** Canonical JSON (sorted keys), so `{a,b}` and `{b,a}` are the same request. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export const requestHash = (body: unknown): string =>
  createHash('sha256').update(canonicalJson(body)).digest('hex');

export interface IdempotencyOptions {
  /** How long a loser waits for the winner's answer before 409 IDEMPOTENCY_IN_PROGRESS. */
  waitMs?: number;
  pollMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

const defaultSleep = (ms: number) => sleep(ms);

/**
 * Runs `run` once per (scope, key): the winner runs and stores its answer; same key and body
 * replays it (concurrent losers wait for it); same key and another body → 422. Only successful
 * answers are kept: a failure releases the key so a retry runs again (nothing was stored).
 */
export async function withIdempotency(
  store: CloudStore,
  claim: { scope: string; key: string; hash: string; now: () => number },
  run: () => Promise<StoredAnswer>,
  opts: IdempotencyOptions = {},
): Promise<StoredAnswer> {
  const { waitMs = 15_000, pollMs = 20, sleep = defaultSleep } = opts;
  const deadline = claim.now() + waitMs;
  for (;;) {
    const result = await store.claimIdempotencyKey(claim.scope, claim.key, claim.hash, claim.now());
    if (result.state !== 'claimed' && result.record.requestHash !== claim.hash) {
      throw new CloudError(
        'IDEMPOTENCY_KEY_REUSED',
        'Idempotency-Key was already used with another request body',
      );
    }
    if (result.state === 'completed') {
      return {
        status: result.record.responseStatus ?? 200,
        body: result.record.responseBody ?? '',
      };
    }
    if (result.state === 'claimed') break;
    if (claim.now() >= deadline) {
      throw new CloudError(
        'IDEMPOTENCY_IN_PROGRESS',
        'the first request with this key is still running',
      );
    }
    await sleep(pollMs);
  }
  let answer: StoredAnswer;
  try {
    answer = await run();
  } catch (err) {
    await store.releaseIdempotencyKey(claim.scope, claim.key);
    throw err;
  }
  await store.completeIdempotencyKey(claim.scope, claim.key, answer.status, answer.body);
  return answer;
}
