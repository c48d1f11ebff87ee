import fc from 'fast-check';
import { base64url, generateKeyPair } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { decide, type InvitationState } from '../decide/decide.ts';
import { DENY_REASONS } from '../reasons.ts';
import type { TokenClaims } from './claims.ts';
import { signToken } from './sign.ts';
import { parseCompactJws, verifyToken, type KeyResolver, type VerificationKey } from './verify.ts';

// Property tests of the verifier on hostile input: it never throws, every bad code is a deny
// with a known reason, and no mutation of a real token is ever granted.
const NOW = 1_790_000_000;
const LOUNGE = 'MAD-T4S-VELAZQUEZ';
const KID = 'k2611fuzz';
const FRESH: InvitationState = { revoked: false, entriesUsed: 0 };
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

let token = '';
let resolve: KeyResolver = () => undefined;

beforeAll(async () => {
  const { privateKey, publicKey } = await generateKeyPair('EdDSA', { extractable: true });
  const claims: TokenClaims = {
    iss: 'https://lounge.example',
    jti: 'inv_01JD00000000000000000000AB',
    aud: LOUNGE,
    sub: 'AbCdEfGhIjKlMnOpQrStUv',
    nbf: NOW - 3600,
    exp: NOW + 3600,
    gst: 1,
    ent: 1,
  };
  token = await signToken(claims, { kid: KID, privateKey });
  const key: VerificationKey = publicKey;
  resolve = (kid) => (kid === KID ? key : undefined);
});

async function decideCode(code: string | Uint8Array) {
  const verification = await verifyToken(code, resolve);
  return decide({
    verification,
    state: FRESH,
    loungeId: LOUNGE,
    nowMs: NOW * 1000,
    clockSkewSeconds: 60,
  });
}

const denyReasons: readonly string[] = DENY_REASONS;

/** One edit of a string: replace, insert or delete a character at a position. */
const mutation = fc.record({
  kind: fc.constantFrom('replace', 'insert', 'delete'),
  at: fc.nat(),
  ch: fc.constantFrom(...B64.split(''), '.', '=', ' ', '\u00e9', '\u0000'),
});

function mutate(text: string, m: { kind: string; at: number; ch: string }): string {
  const i = m.at % text.length;
  if (m.kind === 'insert') return text.slice(0, i) + m.ch + text.slice(i);
  if (m.kind === 'delete') return text.slice(0, i) + text.slice(i + 1);
  return text.slice(0, i) + m.ch + text.slice(i + 1);
}

describe('verifyToken + decide under fuzzing', () => {
  it('the genuine token is granted (control)', async () => {
    expect((await decideCode(token)).decision).toBe('grant');
  });

  it('random strings never throw and always deny with a DENY_REASONS reason', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 300 }), async (code) => {
        const out = await decideCode(code);
        expect(out.decision).toBe('deny');
        expect(denyReasons).toContain(out.reason);
      }),
      { numRuns: 2000 },
    );
  });

  it('random bytes (also invalid UTF-8 and over 4 KiB) always deny', async () => {
    const bytes = fc.oneof(
      fc.uint8Array({ maxLength: 300 }),
      fc.uint8Array({ minLength: 4097, maxLength: 4200 }),
    );
    await fc.assert(
      fc.asyncProperty(bytes, async (bytes) => {
        const out = await decideCode(bytes);
        expect(out.decision).toBe('deny');
        expect(denyReasons).toContain(out.reason);
      }),
      { numRuns: 1000 },
    );
  });

  it('three random base64url segments always deny', async () => {
    const segment = fc.string({ unit: fc.constantFrom(...B64.split('')), maxLength: 120 });
    await fc.assert(
      fc.asyncProperty(segment, segment, segment, async (h, p, s) => {
        const out = await decideCode(`${h}.${p}.${s}`);
        expect(out.decision).toBe('deny');
        expect(denyReasons).toContain(out.reason);
      }),
      { numRuns: 2000 },
    );
  });

  it('a token with one to three edits anywhere is never granted', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(mutation, { minLength: 1, maxLength: 3 }), async (edits) => {
        const code = edits.reduce(mutate, token);
        fc.pre(code.trim() !== token);
        const out = await decideCode(code);
        expect(out.decision).toBe('deny');
        expect(denyReasons).toContain(out.reason);
      }),
      { numRuns: 2000 },
    );
  });

  it('a mutated signature segment is never granted and never a reason before BAD_SIGNATURE', async () => {
    const [h, p, s] = token.split('.') as [string, string, string];
    const sigChar = fc.constantFrom(...B64.split(''));
    await fc.assert(
      fc.asyncProperty(fc.nat(), sigChar, async (at, ch) => {
        const i = at % s.length;
        const sig = s.slice(0, i) + ch + s.slice(i + 1);
        fc.pre(sig !== s);
        const out = await decideCode(`${h}.${p}.${sig}`);
        expect(out.decision).toBe('deny');
        // The last character of an Ed25519 signature carries 2 unused bits: a non-canonical
        // encoding there is refused as MALFORMED or BAD_SIGNATURE, never as a grant.
        expect(['BAD_SIGNATURE', 'MALFORMED']).toContain(out.reason);
      }),
      { numRuns: 1500 },
    );
  });

  it('a payload swapped for random JSON under the genuine signature is never granted', async () => {
    const [h, , s] = token.split('.') as [string, string, string];
    await fc.assert(
      fc.asyncProperty(fc.jsonValue({ maxDepth: 3 }), async (value) => {
        const p = Buffer.from(JSON.stringify(value) ?? 'null').toString('base64url');
        const out = await decideCode(`${h}.${p}.${s}`);
        expect(out.decision).toBe('deny');
        expect(['MALFORMED', 'BAD_SIGNATURE']).toContain(out.reason);
      }),
      { numRuns: 1500 },
    );
  });

  it('a segment is base64url exactly when decoding and encoding it again gives it back', () => {
    const [h] = token.split('.') as [string];
    const canonical = (seg: string): boolean => {
      try {
        return base64url.encode(base64url.decode(seg)) === seg;
      } catch {
        return false;
      }
    };
    const segment = fc.string({ unit: fc.constantFrom(...B64.split('')), maxLength: 12 });
    fc.assert(
      fc.property(segment, segment, (p, s) => {
        const parsed = parseCompactJws(`${h}.${p}.${s}`);
        expect(parsed.ok).toBe(p !== '' && s !== '' && canonical(p) && canonical(s));
      }),
      { numRuns: 5000 },
    );
  });
});
