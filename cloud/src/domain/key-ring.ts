import {
  importSigningKey,
  TOPICS,
  type Clock,
  type Ed25519PublicJwk,
  type SigningKey,
  type VerificationKey,
} from '@lounge/shared';
import { importJWK } from 'jose';
import { mqttRow } from '../outbox/events.ts';
import {
  DEFAULT_PUBLISH_LEAD_MS,
  STANDBY_AT,
  currentSigningKid,
  generateSigningKey,
  jwksOf,
  openPrivateKey,
  planRotation,
  publishedKeys,
  retiredKids,
  sealPrivateKey,
  standbyKid,
  type KeyRetirement,
  type KeyRing,
  type SigningKeyRecord,
} from '../signing-keys/index.ts';
import type { CloudStore, OutboxEventInput, SigningKeyRow } from '../store/port.ts';

/**
 * How stale an instance's view of the key set may get: it compares the store's key-set version
 * at most this often, so a rotation or retirement by any process (the CLI included) shows in
 * every instance's JWKS, signing and validation within this time (SPEC.md 4).
 */
export const KEY_VERSION_CHECK_MS = 250;
/**
 * The retained `keys` message waits this long after the change, so that every instance serves
 * the new set before edges refetch on it (comfortably more than KEY_VERSION_CHECK_MS).
 */
export const KEYS_MESSAGE_DELAY_MS = 1000;
/** Rows are re-read this often anyway (picks up lastTokenExp raised by other instances). */
const FULL_RELOAD_MS = 60_000;

/** Attempts at a retirement when other changes to the key set keep landing first. */
const RETIRE_ATTEMPTS = 5;

const toRecord = (row: SigningKeyRow): SigningKeyRecord => ({
  kid: row.kid,
  publicJwk: JSON.parse(row.publicJwk) as Ed25519PublicJwk,
  createdAt: row.createdAt,
  activatesAt: row.activatesAt,
  lastTokenExp: row.lastTokenExp,
  retiredAt: row.retiredAt,
});

/**
 * The retained `keys` message of a key set (SPEC.md 6), due after KEYS_MESSAGE_DELAY_MS so
 * every instance serves the new JWKS before edges refetch on it.
 */
function keysOutbox(records: SigningKeyRecord[], now: number): OutboxEventInput[] {
  const message = {
    kids: publishedKeys(records, now).map((r) => r.kid),
    retired: retiredKids(records, now),
    updatedAt: new Date(now).toISOString(),
  };
  return [
    {
      ...mqttRow(TOPICS.keys, message, true, now),
      // One queue: two changes in a row leave the newest set retained.
      orderKey: 'keys',
      notBefore: now + KEYS_MESSAGE_DELAY_MS,
    },
  ];
}

/** Builds the key ring over the store; `kek` opens the sealed private keys. */
export function createKeyRing(deps: { store: CloudStore; clock: Clock; kek: Uint8Array }): KeyRing {
  const { store, clock, kek } = deps;
  let rows: SigningKeyRow[] = [];
  let loadedAt = -Infinity;
  let version: number | undefined;
  let checkedAt = -Infinity;
  let checking: Promise<void> | undefined;
  const signers = new Map<string, SigningKey>();
  const verifiers = new Map<string, VerificationKey>();

  async function reload(): Promise<void> {
    // Version first: a change committed between the two reads triggers one more reload.
    const v = await store.signingKeysVersion();
    rows = await store.listSigningKeys();
    version = v;
    loadedAt = clock.now();
    verifiers.clear(); // a retired key must stop validating at once
  }

  async function check(): Promise<void> {
    const now = clock.now();
    checkedAt = now;
    try {
      if (now - loadedAt > FULL_RELOAD_MS || (await store.signingKeysVersion()) !== version) {
        await reload();
      }
    } catch (err) {
      // The database away: nobody can change the keys meanwhile, so the cached set stays right.
      if (loadedAt === -Infinity) throw err;
    }
  }

  async function load(force = false): Promise<SigningKeyRow[]> {
    if (force) await reload();
    else if (clock.now() - checkedAt >= KEY_VERSION_CHECK_MS) {
      // Concurrent requests share one check.
      checking ??= check().finally(() => (checking = undefined));
      await checking;
    }
    return rows;
  }

  /** A new sealed key row and the retained `keys` message announcing it. */
  async function newKeyRow(activatesAt: number): Promise<SigningKeyRow> {
    const now = clock.now();
    const key = await generateSigningKey(now);
    return {
      kid: key.kid,
      publicJwk: JSON.stringify(key.publicJwk),
      sealedPrivateKey: sealPrivateKey(key.privateJwk, kek),
      createdAt: now,
      activatesAt,
      lastTokenExp: null,
      retiredAt: null,
    };
  }

  /** Inserts a key (promoting `activate`) with the retained `keys` message of the new set. */
  async function insertKey(
    row: SigningKeyRow,
    activate?: { kid: string; at: number },
  ): Promise<void> {
    const now = clock.now();
    const records = [...(await load(true)).filter((r) => r.kid !== row.kid), row]
      .map((r) => (r.kid === activate?.kid ? { ...r, activatesAt: activate.at } : r))
      .map(toRecord);
    await store.insertSigningKey(row, keysOutbox(records, now), activate);
    await load(true);
  }

  /** One planned retirement on the set at `version`; `stale` when another change came first. */
  async function retireOnce(
    kid: string,
    reason: string,
    version: number,
  ): Promise<KeyRetirement | 'stale'> {
    const now = clock.now();
    const target = rows.find((r) => r.kid === kid);
    if (!target) return { outcome: 'not-found' };
    if (target.retiredAt !== null) {
      return { outcome: 'already-retired', retiredAt: target.retiredAt, keysMessageAt: now };
    }
    const records = rows.map(toRecord);
    const current = currentSigningKid(records, now);
    const standby = standbyKid(records, now);
    let insert: SigningKeyRow | undefined;
    let activate: { kid: string; at: number } | undefined;
    if (kid === current && standby) {
      activate = { kid: standby, at: now };
      insert = await newKeyRow(STANDBY_AT);
    } else if (kid === current) {
      insert = await newKeyRow(now); // no standby (an old store): a new key signs at once
    } else if (kid === standby) {
      insert = await newKeyRow(STANDBY_AT);
    }
    const after = [...rows, ...(insert ? [insert] : [])]
      .map((r) => (r.kid === kid ? { ...r, retiredAt: now } : r))
      .map((r) => (r.kid === activate?.kid ? { ...r, activatesAt: activate.at } : r))
      .map(toRecord);
    const outcome = await store.retireSigningKey(
      kid,
      { at: now, reason },
      {
        expectVersion: version,
        ...(insert && { insert }),
        ...(activate && { activate }),
        outbox: keysOutbox(after, now),
      },
    );
    if (outcome === 'stale') return 'stale';
    if (outcome === 'retired') {
      return { outcome, retiredAt: now, keysMessageAt: now + KEYS_MESSAGE_DELAY_MS };
    }
    return { outcome: 'not-found' }; // raced with nothing that deletes keys: kept for the type
  }

  /**
   * Inserts the key that instances racing on `name` agree on (the secrets table keeps the
   * first writer's row); true when it was this instance's.
   */
  async function insertAgreed(name: string, activatesAt: number): Promise<boolean> {
    const mine = await newKeyRow(activatesAt);
    const text = await store.getOrCreateSecret(name, () => JSON.stringify(mine));
    const winner = JSON.parse(text) as SigningKeyRow;
    try {
      await insertKey(winner);
    } catch (err) {
      if (!(await load(true)).some((r) => r.kid === winner.kid)) throw err;
    }
    return winner.kid === mine.kid;
  }

  return {
    async current() {
      let records = (await load()).map(toRecord);
      let kid = currentSigningKid(records, clock.now());
      if (!kid) {
        // A pre-published key may have activated since the last read.
        records = (await load(true)).map(toRecord);
        kid = currentSigningKid(records, clock.now());
      }
      if (!kid) throw new Error('no active signing key (run `lounge-cloud signing-keys rotate`)');
      const cached = signers.get(kid);
      if (cached) return cached;
      const row = rows.find((r) => r.kid === kid)!;
      const signer = await importSigningKey(openPrivateKey(row.sealedPrivateKey, kek), kid);
      signers.set(kid, signer);
      return signer;
    },
    async jwks() {
      return jwksOf((await load()).map(toRecord), clock.now());
    },
    async verificationKey(kid) {
      if (!kid) return undefined;
      const cached = verifiers.get(kid);
      if (cached) return cached;
      const published = publishedKeys((await load()).map(toRecord), clock.now());
      const record = published.find((r) => r.kid === kid);
      if (!record) return undefined;
      const key = await importJWK({ ...record.publicJwk, alg: 'EdDSA' }, 'EdDSA');
      if (key instanceof Uint8Array) return undefined;
      verifiers.set(kid, key);
      return key;
    },
    async noteSigned(kid, expSeconds) {
      const row = rows.find((r) => r.kid === kid);
      if (row && row.lastTokenExp !== null && row.lastTokenExp >= expSeconds) return;
      await store.noteTokenSigned(kid, expSeconds);
      if (row) row.lastTokenExp = Math.max(row.lastTokenExp ?? 0, expSeconds);
    },
    async rotate(leadMs = DEFAULT_PUBLISH_LEAD_MS) {
      const records = (await load(true)).map(toRecord);
      const now = clock.now();
      const standby = standbyKid(records, now);
      const next = await newKeyRow(STANDBY_AT);
      if (standby) {
        await insertKey(next, { kid: standby, at: now });
        return { kid: standby, activatesAt: now, standby: next.kid };
      }
      // No standby (a store from before standby keys): the new key signs after the lead.
      const activatesAt = planRotation(now, leadMs, records);
      await insertKey({ ...next, activatesAt });
      return { kid: next.kid, activatesAt, standby: next.kid };
    },
    async retire(kid, reason) {
      for (let attempt = 1; ; attempt++) {
        // Version first, as in reload: the plan is made on rows at least as new as it.
        const version = await store.signingKeysVersion();
        await load(true);
        const result = await retireOnce(kid, reason, version);
        if (result !== 'stale') {
          await load(true);
          if (result.outcome !== 'already-retired') return result;
          // Already retired (by this call's twin, or earlier): its stored instant, not ours.
          const stored = await store.findSigningKeyRetirement(kid);
          return { ...result, retiredAt: stored?.retiredAt ?? result.retiredAt };
        }
        if (attempt >= RETIRE_ATTEMPTS) throw new Error('the key set kept changing; retry');
      }
    },
    async ensureKey() {
      let first = false;
      if ((await load(true)).length === 0) {
        first = await insertAgreed('first-signing-key', clock.now());
      }
      const records = rows.map(toRecord);
      const current = currentSigningKid(records, clock.now());
      if (current && !standbyKid(records, clock.now())) {
        await insertAgreed(`standby-after-${current}`, STANDBY_AT);
      }
      return first;
    },
  };
}
