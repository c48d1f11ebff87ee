import type { Migration } from './types.ts';

/**
 * Emergency retirement of a signing key (SPEC.md 5, `POST /v1/signing-keys/:kid/retire`).
 * - `signing_keys.retire_reason`: why the operator retired it (the audit trail of a leak).
 * - `signing_keys.reissued`: how many invitations were re-signed off it, so a repeated
 *   (idempotent) retirement answers the same count.
 * - `invitations_kid`: the active invitations a key signed, found without a full scan.
 */
export const signingKeyRetirement: Migration = {
  id: 6,
  name: 'signing-key-retirement',
  up() {
    return [
      `ALTER TABLE signing_keys ADD COLUMN retire_reason TEXT`,
      `ALTER TABLE signing_keys ADD COLUMN reissued INTEGER NOT NULL DEFAULT 0`,
      `CREATE INDEX invitations_kid ON invitations (kid, id) WHERE status IN ('issued', 'used')`,
    ];
  },
};
