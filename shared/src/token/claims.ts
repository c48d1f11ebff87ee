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

// zod's `.int()` is a safe integer (|n| <= 2^53 - 1).
const safeInt = (v: unknown): v is number => Number.isSafeInteger(v);

/**
 * The claims `tokenClaimsSchema` accepts, checked by hand, as the object zod would return
 * (unknown keys dropped, keys in schema order, `ent` defaulted to 1); `undefined` for anything
 * else. Every scan verifies a token, and zod cost ~6 µs of CPU per scan (docs/performance.md).
 * Change it with the schema: `claims.test.ts` holds the two to the same answers.
 */
export function plainTokenClaims(raw: unknown): TokenClaims | undefined {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return undefined;
  const { iss, jti, aud, sub, nbf, exp, iat, gst, ent } = raw as Record<string, unknown>;
  if (typeof iss !== 'string' || iss.length === 0) return undefined;
  if (typeof jti !== 'string' || !INVITATION_ID_RE.test(jti)) return undefined;
  if (typeof aud !== 'string' || !LOUNGE_ID_RE.test(aud)) return undefined;
  if (typeof sub !== 'string' || !SUBJECT_RE.test(sub)) return undefined;
  if (!safeInt(nbf) || !safeInt(exp) || !safeInt(gst) || gst < 0) return undefined;
  if (ent !== undefined && (!safeInt(ent) || ent < 1)) return undefined;
  if (iat !== undefined) {
    if (!safeInt(iat)) return undefined;
    return { iss, jti, aud, sub, nbf, exp, iat, gst, ent: ent ?? 1 };
  }
  // zod keeps a key present as `undefined` (never the case in JSON): leave that to zod.
  if ('iat' in raw) return undefined;
  return { iss, jti, aud, sub, nbf, exp, gst, ent: ent ?? 1 };
}

/** `tokenClaimsSchema.safeParse` with the hand check first: same result, zod's errors. */
export function parseTokenClaims(raw: unknown): ReturnType<typeof tokenClaimsSchema.safeParse> {
  const data = plainTokenClaims(raw);
  return data ? { success: true, data } : tokenClaimsSchema.safeParse(raw);
}

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
