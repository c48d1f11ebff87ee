import type { Jwks, SigningKey, VerificationKey } from '@lounge/shared';

/**
 * The cloud's signing keys: current key, JWKS, verification keys, rotation. The port the use
 * cases sign and verify through; `domain/key-ring.ts` implements it over the store.
 */
export interface KeyRing {
  /** The key that signs now (creates the first key when there is none). */
  current(): Promise<SigningKey>;
  jwks(): Promise<Jwks>;
  /** Public key for a kid among the published keys (for `/v1/validate`). */
  verificationKey(kid: string | undefined): Promise<VerificationKey | undefined>;
  /** Records the exp of a signed token so the key stays published until then. */
  noteSigned(kid: string, expSeconds: number): Promise<void>;
  /**
   * SPEC.md 4: the standby becomes the signing key now and a new standby is published (with
   * no standby yet, the new key signs after `leadMs`); writes the retained `keys` outbox row.
   */
  rotate(leadMs?: number): Promise<{ kid: string; activatesAt: number; standby: string }>;
  /**
   * Creates an immediately active key when there is none, and a standby when there is none;
   * true when it made the first key. Instances starting together agree on both.
   */
  ensureKey(): Promise<boolean>;
  /**
   * SPEC.md 5, emergency: retires `kid` now, out of the JWKS at once. The signing key's
   * standby takes over (a key signing at once if there is none), and a retired standby is
   * replaced, so there is always a published standby; writes the retained `keys` message
   * (`retired:[kid]`) due at `keysMessageAt`. Idempotent: a retired key stays as it was.
   */
  retire(kid: string, reason: string): Promise<KeyRetirement>;
}

/** What `retire` did; `keysMessageAt` is when the `keys` message becomes due. */
export type KeyRetirement =
  | { outcome: 'not-found' }
  | { outcome: 'retired' | 'already-retired'; retiredAt: number; keysMessageAt: number };
