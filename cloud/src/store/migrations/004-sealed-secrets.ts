import type { Migration } from './types.ts';

/**
 * Server secrets (link HMAC, pseudonym HMAC) are sealed under KEY_ENCRYPTION_KEY from this
 * version on. The sealing needs the KEK, which the store never sees, so `openCore` does it
 * (domain/server-secrets.ts: every plaintext secret is sealed in place at start). This entry
 * changes no table; it raises the schema version so an older release, which would take a
 * sealed value for the secret itself (new pseudonyms, broken links), refuses to start with
 * SCHEMA_TOO_NEW instead.
 */
export const sealedSecrets: Migration = {
  id: 4,
  name: 'sealed-secrets',
  up() {
    return [];
  },
};
