import { createHmac } from 'node:crypto';

/** Length of the token `sub` (SPEC.md section 4): 22 base64url characters, 132 bits. */
export const PSEUDONYM_LENGTH = 22;

/**
 * The token `sub`: HMAC-SHA256 of the loyalty number with a server secret, base64url, cut to
 * 22 characters. Stable per customer, meaningless without the secret.
 */
export function pseudonymize(customerId: string, secret: Uint8Array): string {
  const digest = createHmac('sha256', secret).update(customerId, 'utf8').digest('base64url');
  return digest.slice(0, PSEUDONYM_LENGTH);
}
