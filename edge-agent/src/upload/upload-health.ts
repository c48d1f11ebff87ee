import { META, MetaStore, readBacklog, type Db, type UploadError } from '../state/index.ts';

export type { UploadError } from '../state/index.ts';

/** Pending records older than this mean the uploads are stuck (SPEC.md 8 `/healthz`). */
export const STUCK_AFTER_MS = 5 * 60_000;

/** What `/healthz` `uploads` shows (SPEC.md 8), read from the edge's SQLite state. */
export interface UploadHealth {
  pending: number;
  /** `decidedAt` of the oldest record IBDP has not stored, or null. */
  oldestPendingAt: string | null;
  lastUploadAt: string | null;
  /** The last attempt's error; null once a batch is stored (or before any attempt). */
  lastError: UploadError | null;
}

/**
 * A refusal that retrying will not cure: a 4xx other than 409 (stored already) and 429 (slow
 * down). A 404 is a wrong URL, a 401/403 a wrong token, a 413 a gateway limit.
 */
export const isRefusal = (status: number | null): boolean =>
  status !== null && status >= 400 && status < 500 && status !== 409 && status !== 429;

/**
 * Reads the upload state with SELECTs only, so `lounge-provision doctor` can run it on a
 * read-only connection while the agent is stopped.
 */
export function readUploadHealth(db: Db): UploadHealth {
  const meta = new MetaStore(db);
  return {
    ...readBacklog(db),
    lastUploadAt: meta.get(META.lastUploadAt) ?? null,
    lastError: parseError(meta.get(META.lastUploadError)),
  };
}

/** Why the uploads are stuck (the `/healthz` degraded reason), or null when they are not. */
export function uploadProblem(h: UploadHealth, nowMs: number): string | null {
  const e = h.lastError;
  if (e && isRefusal(e.status)) return `IBDP refuses the uploads: ${e.detail}`;
  const age = pendingAgeMs(h, nowMs);
  if (age > STUCK_AFTER_MS) {
    const why = e ? ` (last error: ${e.detail})` : '';
    return `${h.pending} record(s) pending, the oldest ${Math.floor(age / 60_000)} min old${why}`;
  }
  return null;
}

/** How long the oldest pending record has waited (0 when none). */
export function pendingAgeMs(h: UploadHealth, nowMs: number): number {
  const at = h.oldestPendingAt === null ? Number.NaN : Date.parse(h.oldestPendingAt);
  return Number.isFinite(at) ? Math.max(0, nowMs - at) : 0;
}

function parseError(text: string | undefined): UploadError | null {
  if (!text) return null;
  try {
    const e = JSON.parse(text) as Partial<UploadError> | null;
    return e && typeof e.at === 'string' && typeof e.detail === 'string'
      ? { at: e.at, status: typeof e.status === 'number' ? e.status : null, detail: e.detail }
      : null;
  } catch {
    return null;
  }
}
