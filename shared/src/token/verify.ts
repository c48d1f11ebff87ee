import { base64url, compactVerify, type CryptoKey, type KeyObject } from 'jose';
import type { DenyReason } from '../reasons.ts';
import { MAX_CODE_BYTES, TOKEN_ALG, parseTokenClaims, type TokenClaims } from './claims.ts';

/** A public key jose can verify with (a CryptoKey, or a Node KeyObject). */
export type VerificationKey = CryptoKey | KeyObject;

/**
 * Finds the public key for a `kid`, or nothing. May be async so the edge can refresh its
 * JWKS (at most once a minute) before answering UNKNOWN_KEY.
 */
export type KeyResolver = (
  kid: string | undefined,
) => VerificationKey | undefined | Promise<VerificationKey | undefined>;

export type Rejection = { ok: false; reason: DenyReason; detail: string };

/**
 * Checks an Ed25519 signature over the JWS signing input (`header.payload` as ASCII bytes):
 * true when it verifies, false or a throw when not. Runs only after the algorithm, header and
 * key checks, so it sees nothing but EdDSA tokens and a key from the resolver.
 */
export type SignatureVerifier = (
  key: VerificationKey,
  signingInput: Uint8Array,
  signature: Uint8Array,
) => boolean | Promise<boolean>;

/** Options of `verifyToken` / `verifyJws`. */
export interface VerifyOptions {
  /**
   * The signature primitive; default jose `compactVerify` (WebCrypto). Shared code stays free
   * of `node:*`: a runtime with a faster synchronous primitive injects it (the edge does).
   */
  verifySignature?: SignatureVerifier;
}

export interface ParsedJws {
  ok: true;
  text: string;
  header: Record<string, unknown>;
  payload: Uint8Array;
  /** The bytes the signature covers: `header.payload` (ASCII). */
  signingInput: Uint8Array;
  signature: Uint8Array;
}

export interface VerifiedToken {
  ok: true;
  kid: string;
  claims: TokenClaims;
}

const B64URL_RE = /^[A-Za-z0-9_-]+$/;
const utf8 = new TextDecoder('utf-8', { fatal: true });
const encoder = new TextEncoder();

const reject = (reason: DenyReason, detail: string): Rejection => ({ ok: false, reason, detail });

const B64URL_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

function decodeSegment(segment: string): Uint8Array | undefined {
  if (!B64URL_RE.test(segment)) return undefined;
  // Non-canonical trailing bits would let one signature be spelled several ways. Checked on
  // the last character's unused bits instead of encoding the bytes again (a scan decodes three
  // segments); a length of 4n+1 is no base64 at all.
  const tail = segment.length % 4;
  if (tail === 1) return undefined;
  if (tail !== 0) {
    const last = B64URL_ALPHABET.indexOf(segment[segment.length - 1]!);
    if ((last & (tail === 2 ? 0x0f : 0x03)) !== 0) return undefined;
  }
  try {
    return base64url.decode(segment);
  } catch {
    return undefined;
  }
}

function parseJsonObject(bytes: Uint8Array): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(utf8.decode(bytes));
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The header policy: EdDSA only, no extension we would have to understand. `jku`, `x5u`, `jwk`
 * and `x5c` are never followed: keys come only from the resolver.
 */
function checkHeader(header: Record<string, unknown>): Rejection | null {
  if (header.alg !== TOKEN_ALG) {
    return reject('UNSUPPORTED_ALG', `alg ${JSON.stringify(header.alg ?? null)} is not allowed`);
  }
  if (header.crit !== undefined) return reject('UNSUPPORTED_ALG', 'crit header is not supported');
  if (header.b64 !== undefined) return reject('UNSUPPORTED_ALG', 'b64 header is not supported');
  return null;
}

/**
 * Checks that `code` is a compact JWS at all: at most 4 KiB, valid UTF-8, three segments, a
 * base64url JSON object header (else MALFORMED); then the header's `alg` (UNSUPPORTED_ALG);
 * only then the payload and signature segments (MALFORMED). SPEC.md 8: a header that parses
 * is classified by its alg first, so `alg:none` with an empty signature counts as an attack
 * (UNSUPPORTED_ALG) in IBDP, apart from smudged codes (MALFORMED).
 */
export function parseCompactJws(code: string | Uint8Array): ParsedJws | Rejection {
  let text: string;
  if (typeof code === 'string') {
    if (encoder.encode(code).length > MAX_CODE_BYTES) return reject('MALFORMED', 'code over 4 KiB');
    text = code;
  } else {
    if (code.length > MAX_CODE_BYTES) return reject('MALFORMED', 'code over 4 KiB');
    try {
      text = utf8.decode(code);
    } catch {
      return reject('MALFORMED', 'code is not valid UTF-8');
    }
  }
  text = text.trim();
  const parts = text.split('.');
  if (parts.length !== 3) return reject('MALFORMED', 'not a compact JWS (three segments)');
  const [h, p, s] = parts as [string, string, string];
  const headerBytes = decodeSegment(h);
  if (!headerBytes) return reject('MALFORMED', 'header is not base64url');
  const header = parseJsonObject(headerBytes);
  if (!header) return reject('MALFORMED', 'header is not a JSON object');
  const refused = checkHeader(header);
  if (refused) return refused;
  const payload = decodeSegment(p);
  const signature = decodeSegment(s);
  if (!payload || !signature) return reject('MALFORMED', 'segment is not base64url');
  const signingInput = encoder.encode(text.slice(0, h.length + 1 + p.length));
  return { ok: true, text, header, payload, signingInput, signature };
}

/**
 * Key lookup, then the signature (the header passed `checkHeader` in `parseCompactJws`).
 * Works fully offline from the resolver.
 */
async function verifySignature(
  parsed: ParsedJws,
  resolveKey: KeyResolver,
  opts: VerifyOptions,
): Promise<{ ok: true; kid: string | undefined } | Rejection> {
  const { header } = parsed;
  const kid = typeof header.kid === 'string' ? header.kid : undefined;
  if (header.kid !== undefined && kid === undefined)
    return reject('MALFORMED', 'kid is not a string');
  const key = await resolveKey(kid);
  if (!key) return reject('UNKNOWN_KEY', `no key with kid ${JSON.stringify(kid ?? null)}`);
  try {
    const verified = opts.verifySignature
      ? await opts.verifySignature(key, parsed.signingInput, parsed.signature)
      : await compactVerify(parsed.text, key, { algorithms: [TOKEN_ALG] }).then(() => true);
    if (!verified) return reject('BAD_SIGNATURE', 'signature does not verify');
  } catch {
    return reject('BAD_SIGNATURE', 'signature does not verify');
  }
  return { ok: true, kid };
}

/** Verifies any EdDSA compact JWS (RFC 7515/8037) and returns its payload bytes. */
export async function verifyJws(
  code: string | Uint8Array,
  resolveKey: KeyResolver,
  opts: VerifyOptions = {},
): Promise<{ ok: true; header: Record<string, unknown>; payload: Uint8Array } | Rejection> {
  const parsed = parseCompactJws(code);
  if (!parsed.ok) return parsed;
  const sig = await verifySignature(parsed, resolveKey, opts);
  if (!sig.ok) return sig;
  return { ok: true, header: parsed.header, payload: parsed.payload };
}

/**
 * Verifies a QR token: structure, algorithm, key, signature, then the claims schema.
 * Time, audience, revocation and use are the decision's business (`decide`).
 */
export async function verifyToken(
  code: string | Uint8Array,
  resolveKey: KeyResolver,
  opts: VerifyOptions = {},
): Promise<VerifiedToken | Rejection> {
  const parsed = parseCompactJws(code);
  if (!parsed.ok) return parsed;
  const payload = parseJsonObject(parsed.payload);
  if (!payload) return reject('MALFORMED', 'payload is not a JSON object');
  const sig = await verifySignature(parsed, resolveKey, opts);
  if (!sig.ok) return sig;
  const claims = parseTokenClaims(payload);
  if (!claims.success) {
    const field = claims.error.issues[0]?.path.join('.') || 'claims';
    return reject('MALFORMED', `claim ${field} is invalid`);
  }
  if (sig.kid === undefined) return reject('UNKNOWN_KEY', 'token has no kid');
  return { ok: true, kid: sig.kid, claims: claims.data };
}

export interface ClaimCheckOptions {
  /** The lounge this verifier serves; `aud` must equal it. */
  audience: string;
  /** Current time, seconds since the epoch. */
  nowSeconds: number;
  /** Tolerance for clocks that disagree, in seconds. */
  clockSkewSeconds: number;
}

/** Audience then validity window; `null` when the claims hold right now. */
export function checkClaims(claims: TokenClaims, opts: ClaimCheckOptions): Rejection | null {
  if (claims.aud !== opts.audience) {
    return reject('WRONG_LOUNGE', `token is for ${claims.aud}, not ${opts.audience}`);
  }
  if (opts.nowSeconds + opts.clockSkewSeconds < claims.nbf) {
    return reject('NOT_YET_VALID', 'token is not valid yet');
  }
  if (opts.nowSeconds - opts.clockSkewSeconds >= claims.exp) {
    return reject('EXPIRED', 'token has expired');
  }
  return null;
}
