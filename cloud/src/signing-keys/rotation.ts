import type { Ed25519PublicJwk, Jwks } from '@lounge/shared';

/** A signing key as the store keeps it (all times in ms, except `lastTokenExp`). */
export interface SigningKeyRecord {
  kid: string;
  publicJwk: Ed25519PublicJwk;
  createdAt: number;
  /** From this instant the key signs; before it, it is only published. */
  activatesAt: number;
  /** Seconds: the latest `exp` of any token signed with this key, null if it signed none. */
  lastTokenExp: number | null;
  /** Set when the key must never sign again (e.g. suspected compromise); null otherwise. */
  retiredAt: number | null;
}

/**
 * Default lead between publishing a key and signing with it. Edges learn of new keys from the
 * retained MQTT `keys` message within a second and refetch the JWKS; an edge that missed it
 * refetches on its first UNKNOWN_KEY. Five minutes covers a reconnecting fleet.
 */
export const DEFAULT_PUBLISH_LEAD_MS = 5 * 60_000;

/**
 * `activatesAt` of a standby key (SPEC.md 4): published, never signing until a rotation
 * promotes it. Boxes fetch it long before it signs, so a box offline during the rotation
 * already trusts the new signing key.
 */
export const STANDBY_AT = Number.MAX_SAFE_INTEGER;

// Newest first: later activation wins, then later creation, then kid for a total order.
const newestFirst = (a: SigningKeyRecord, b: SigningKeyRecord): number =>
  b.activatesAt - a.activatesAt || b.createdAt - a.createdAt || (a.kid < b.kid ? 1 : -1);

const isRetired = (r: SigningKeyRecord, nowMs: number): boolean =>
  r.retiredAt !== null && r.retiredAt <= nowMs;

/** The key to sign with now: the newest activated, not retired key; undefined if none. */
export function currentSigningKid(
  records: readonly SigningKeyRecord[],
  nowMs: number,
): string | undefined {
  return [...records].sort(newestFirst).find((r) => r.activatesAt <= nowMs && !isRetired(r, nowMs))
    ?.kid;
}

/** The key a rotation promotes: the newest published key that does not sign yet. */
export function standbyKid(
  records: readonly SigningKeyRecord[],
  nowMs: number,
): string | undefined {
  return [...records].sort(newestFirst).find((r) => r.activatesAt > nowMs && !isRetired(r, nowMs))
    ?.kid;
}

/** Kids retired by now (the `retired` list of the `lounge/v1/keys` message). */
export function retiredKids(records: readonly SigningKeyRecord[], nowMs: number): string[] {
  return records.filter((r) => isRetired(r, nowMs)).map((r) => r.kid);
}

/**
 * The keys the JWKS must carry now (SPEC.md section 4), newest first: every key not yet
 * activated (pre-published), the current key, and every older key whose last token has not
 * expired yet; never a retired key (an emergency retirement takes it out at once, whatever
 * it signed: those invitations are re-signed).
 */
export function publishedKeys(
  records: readonly SigningKeyRecord[],
  nowMs: number,
): SigningKeyRecord[] {
  const current = currentSigningKid(records, nowMs);
  const nowSeconds = Math.floor(nowMs / 1000);
  return [...records]
    .sort(newestFirst)
    .filter(
      (r) =>
        !isRetired(r, nowMs) &&
        (r.activatesAt > nowMs ||
          r.kid === current ||
          (r.lastTokenExp !== null && r.lastTokenExp > nowSeconds)),
    );
}

/** The JWKS served at `/.well-known/jwks.json`. */
export function jwksOf(records: readonly SigningKeyRecord[], nowMs: number): Jwks {
  return {
    keys: publishedKeys(records, nowMs).map((r) => ({
      kty: 'OKP',
      crv: 'Ed25519',
      x: r.publicJwk.x,
      kid: r.kid,
      alg: 'EdDSA',
      use: 'sig',
    })),
  };
}

/**
 * When a key created now should start signing. The first key of all signs at once (no edge
 * can hold a token yet, so there is nothing to pre-publish to); any later key waits the lead.
 */
export function planRotation(
  nowMs: number,
  publishLeadMs: number = DEFAULT_PUBLISH_LEAD_MS,
  records?: readonly SigningKeyRecord[],
): number {
  if (!Number.isFinite(publishLeadMs) || publishLeadMs < 0) {
    throw new RangeError(`publish lead must be >= 0 ms, got ${publishLeadMs}`);
  }
  if (records && currentSigningKid(records, nowMs) === undefined) return nowMs;
  return nowMs + publishLeadMs;
}
