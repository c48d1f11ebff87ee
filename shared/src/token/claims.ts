import { z } from 'zod';
import { INVITATION_ID_RE } from '../ids.ts';

/** Lounge ids: airport IATA code, a dash, then the lounge name (SPEC.md section 5). */
export const LOUNGE_ID_RE = /^[A-Z]{3}-[A-Z0-9-]{1,40}$/;

/** Pseudonymous customer reference: HMAC-SHA256, base64url, cut to 22 characters. */
export const SUBJECT_RE = /^[A-Za-z0-9_-]{22}$/;

/** The QR token claims (SPEC.md section 4). No personal data. */
export const tokenClaimsSchema = z.object({
  iss: z.string().min(1),
  jti: z.string().regex(INVITATION_ID_RE),
  aud: z.string().regex(LOUNGE_ID_RE),
  sub: z.string().regex(SUBJECT_RE),
  nbf: z.number().int(),
  exp: z.number().int(),
  iat: z.number().int().optional(),
  gst: z.number().int().min(0),
  ent: z.number().int().min(1).default(1),
});

export type TokenClaims = z.infer<typeof tokenClaimsSchema>;

/** The protected header we write: nothing but the algorithm and the key id. */
export interface TokenHeader {
  alg: 'EdDSA';
  kid: string;
}

/** Upper bound for a token so it fits QR version 14 at ECC M in byte mode. */
export const MAX_TOKEN_LENGTH = 360;

/** Anything longer than this is not one of our codes and is refused unread. */
export const MAX_CODE_BYTES = 4096;

/** The only algorithm a verifier accepts. */
export const TOKEN_ALG = 'EdDSA';
