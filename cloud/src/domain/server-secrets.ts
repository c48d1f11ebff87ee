import { randomSecret, type RandomSource } from '../security/index.ts';
import { isSealed, openSecret, sealSecret } from '../signing-keys/index.ts';
import type { CloudStore } from '../store/port.ts';

/** The HMAC keys of signed links and of pseudonymous `sub`s (SPEC.md 4 and 5). */
export interface ServerSecrets {
  link: Uint8Array;
  subject: Uint8Array;
}

/**
 * One server secret, created once and shared by every instance, kept sealed under the KEK
 * (AES-256-GCM, as the signing keys): a copy of the database alone no longer lets anyone
 * forge a QR link or link a pseudonym back to a loyalty number. A plaintext value left by a
 * release before migration 4 is sealed in place (compare-and-set, so racing instances agree).
 */
export async function loadServerSecret(
  store: CloudStore,
  name: string,
  kek: Uint8Array,
  random: RandomSource = randomSecret,
): Promise<Uint8Array> {
  for (;;) {
    const stored = await store.getOrCreateSecret(name, () => sealSecret(name, random(32), kek));
    if (isSealed(stored)) return openSecret(name, stored, kek);
    const plain = new Uint8Array(Buffer.from(stored, 'base64url'));
    if (await store.replaceSecret(name, stored, sealSecret(name, plain, kek))) return plain;
    // Another instance sealed it first: read theirs.
  }
}

/** Loads (creating or sealing as needed) the link and pseudonym secrets. */
export async function loadServerSecrets(
  store: CloudStore,
  kek: Uint8Array,
): Promise<ServerSecrets> {
  return {
    link: await loadServerSecret(store, 'link-hmac', kek),
    subject: await loadServerSecret(store, 'subject-hmac', kek),
  };
}
