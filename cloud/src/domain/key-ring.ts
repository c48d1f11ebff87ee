import {
  importSigningKey,
  TOPICS,
  type Clock,
  type Ed25519PublicJwk,
  type Jwks,
  type SigningKey,
  type VerificationKey,
} from '@lounge/shared';
import { importJWK } from 'jose';
import { newEventId } from '../outbox/events.ts';
import {
  DEFAULT_PUBLISH_LEAD_MS,
  currentSigningKid,
  generateSigningKey,
  jwksOf,
  openPrivateKey,
  planRotation,
  publishedKeys,
  sealPrivateKey,
  type SigningKeyRecord,
} from '../signing-keys/index.ts';
import type { CloudStore, OutboxEventInput, SigningKeyRow } from '../store/port.ts';

/** Rows are re-read after this long, so a rotation by another instance is seen. */
const CACHE_MS = 30_000;

/** The cloud's signing keys: current key, JWKS, verification keys, rotation. */
export interface KeyRing {
  /** The key that signs now (creates the first key when there is none). */
  current(): Promise<SigningKey>;
  jwks(): Promise<Jwks>;
  /** Public key for a kid among the published keys (for `/v1/validate`). */
  verificationKey(kid: string | undefined): Promise<VerificationKey | undefined>;
  /** Records the exp of a signed token so the key stays published until then. */
  noteSigned(kid: string, expSeconds: number): Promise<void>;
  /** Creates a key activating after the lead time; writes the retained `keys` outbox row. */
  rotate(leadMs?: number): Promise<{ kid: string; activatesAt: number }>;
  /** Creates an immediately active key when there is none; true when it made one. */
  ensureKey(): Promise<boolean>;
}

const toRecord = (row: SigningKeyRow): SigningKeyRecord => ({
  kid: row.kid,
  publicJwk: JSON.parse(row.publicJwk) as Ed25519PublicJwk,
  createdAt: row.createdAt,
  activatesAt: row.activatesAt,
  lastTokenExp: row.lastTokenExp,
  retiredAt: row.retiredAt,
});

/** Builds the key ring over the store; `kek` opens the sealed private keys. */
export function createKeyRing(deps: { store: CloudStore; clock: Clock; kek: Uint8Array }): KeyRing {
  const { store, clock, kek } = deps;
  let rows: SigningKeyRow[] = [];
  let loadedAt = -Infinity;
  const signers = new Map<string, SigningKey>();
  const verifiers = new Map<string, VerificationKey>();

  async function load(force = false): Promise<SigningKeyRow[]> {
    if (force || clock.now() - loadedAt > CACHE_MS) {
      rows = await store.listSigningKeys();
      loadedAt = clock.now();
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

  async function insertKey(row: SigningKeyRow): Promise<void> {
    const now = clock.now();
    const records = [...(await load(true)).filter((r) => r.kid !== row.kid), row].map(toRecord);
    const kids = publishedKeys(records, now).map((r) => r.kid);
    const message = { kids, updatedAt: new Date(now).toISOString() };
    const outbox: OutboxEventInput[] = [
      {
        id: newEventId(now),
        kind: 'mqtt',
        payload: JSON.stringify({ topic: TOPICS.keys, payload: message, retain: true }),
        createdAt: now,
      },
    ];
    await store.insertSigningKey(row, outbox);
    await load(true);
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
      const activatesAt = planRotation(clock.now(), leadMs, records);
      const row = await newKeyRow(activatesAt);
      await insertKey(row);
      return { kid: row.kid, activatesAt };
    },
    async ensureKey() {
      if ((await load(true)).length > 0) return false;
      // Instances starting together on an empty database must agree on one first key: the
      // secrets table (first writer wins) picks it; everyone inserts that same row.
      const mine = await newKeyRow(clock.now());
      const text = await store.getOrCreateSecret('first-signing-key', () => JSON.stringify(mine));
      const winner = JSON.parse(text) as SigningKeyRow;
      try {
        await insertKey(winner);
      } catch (err) {
        if (!(await load(true)).some((r) => r.kid === winner.kid)) throw err;
      }
      return winner.kid === mine.kid;
    },
  };
}
