import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseTokenClaims, plainTokenClaims, tokenClaimsSchema } from './claims.ts';

// The hand check must give zod's answer: the same success flag and the same object (keys,
// order, -0, the `ent` default), and for anything it does not take, zod's own result.
const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const LOUNGE = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-';
const chars = (set: string, min: number, max: number) =>
  fc.string({ unit: fc.constantFrom(...set.split('')), minLength: min, maxLength: max });
const int = fc.oneof(
  fc.integer(),
  fc.constantFrom(0, -0, 1, -1, 1_790_000_000, 2 ** 53 - 1, -(2 ** 53 - 1)),
);

const validClaims = fc.record(
  {
    iss: fc.oneof(fc.string({ minLength: 1 }), fc.constant('https://lounge.example')),
    jti: fc
      .tuple(chars('01234567', 1, 1), chars(CROCKFORD, 25, 25))
      .map(([a, b]) => `inv_${a}${b}`),
    aud: fc
      .tuple(chars('ABCDEFGHIJKLMNOPQRSTUVWXYZ', 3, 3), chars(LOUNGE, 1, 40))
      .map(([a, b]) => `${a}-${b}`),
    sub: chars(B64URL, 22, 22),
    nbf: int,
    exp: int,
    iat: int,
    gst: fc.oneof(fc.nat(), fc.constantFrom(0, -0, 2 ** 53 - 1)),
    ent: fc.oneof(fc.integer({ min: 1 }), fc.constantFrom(1, 2 ** 53 - 1)),
  },
  { requiredKeys: ['iss', 'jti', 'aud', 'sub', 'nbf', 'exp', 'gst'] },
);

/** Values of the wrong type, empty, out of range, or nested junk. */
const junk = fc.oneof(
  fc.constantFrom('', ' ', 'inv_', 'mad-t4s', 'ABC-', '0', '1', null, true, false, undefined),
  fc.constantFrom(-1, 0.5, 1.5, -0, 2 ** 53, -(2 ** 53), 1e300, NaN, Infinity, -Infinity),
  fc.constantFrom([], {}, [1], { iss: 'x' }, new Date(0)),
  fc.string(),
  fc.integer(),
  fc.double(),
  fc.anything({ maxDepth: 2 }),
);

const FIELDS = ['iss', 'jti', 'aud', 'sub', 'nbf', 'exp', 'iat', 'gst', 'ent', 'extra'] as const;
const edit = fc.record({
  field: fc.constantFrom(...FIELDS, '__proto__', 'constructor'),
  kind: fc.constantFrom('delete', 'replace', 'nudge', 'char'),
  value: junk,
  at: fc.nat(),
  ch: fc.constantFrom('a', 'Z', '0', '-', '_', '.', ' ', 'é', 'I', 'L', 'O', 'U', '8'),
});

/** A real claims object with one to four edits: a field gone, swapped, off by one, a character changed. */
const mutated = fc
  .tuple(validClaims, fc.array(edit, { minLength: 1, maxLength: 4 }))
  .map(([claims, edits]) => {
    const raw: Record<string, unknown> = { ...claims };
    for (const e of edits) {
      const old = raw[e.field];
      if (e.kind === 'delete') delete raw[e.field];
      else if (e.kind === 'nudge' && typeof old === 'number')
        raw[e.field] = old + (e.at % 2 ? 1 : -1);
      else if (e.kind === 'char' && typeof old === 'string' && old.length > 0) {
        const i = e.at % old.length;
        raw[e.field] = old.slice(0, i) + e.ch + old.slice(i + (e.at % 3 === 0 ? 0 : 1));
      } else
        Object.defineProperty(raw, e.field, {
          value: e.value,
          enumerable: true,
          writable: true,
          configurable: true,
        });
    }
    return raw;
  });

const payload = fc.oneof(
  { weight: 2, arbitrary: validClaims },
  { weight: 6, arbitrary: mutated },
  { weight: 1, arbitrary: fc.anything({ maxDepth: 2 }) },
);

describe('the token claims hand check', () => {
  it('gives what zod alone gives, on valid and near-valid payloads', () => {
    const seen = { fast: 0, zodOk: 0, zodRefused: 0 };
    fc.assert(
      fc.property(payload, (raw) => {
        const want = tokenClaimsSchema.safeParse(raw);
        const got = parseTokenClaims(raw);
        expect(got.success).toBe(want.success);
        expect(got).toStrictEqual(want);
        if (got.success && want.success) {
          expect(Object.keys(got.data)).toEqual(Object.keys(want.data));
        }
        const fast = plainTokenClaims(raw);
        if (fast) seen.fast++;
        else if (want.success) seen.zodOk++;
        else seen.zodRefused++;
        // Everything zod takes, the hand check takes too (else the hot path gains nothing),
        // but for an `iat` key present as undefined, which JSON cannot spell.
        const explicitUndefinedIat =
          typeof raw === 'object' && raw !== null && 'iat' in raw && raw.iat === undefined;
        if (want.success && !explicitUndefinedIat) expect(fast).toBeDefined();
      }),
      { numRuns: 6000, seed: 20261201 },
    );
    expect(seen.fast).toBeGreaterThan(1000);
    expect(seen.zodRefused).toBeGreaterThan(2000);
  });

  it('answers the claims the cloud signs, as JSON reads them', () => {
    const raw = JSON.parse(
      '{"iss":"https://lounge.example","jti":"inv_01JD00000000000000000000AB",' +
        '"aud":"MAD-T4S-VELAZQUEZ","sub":"AbCdEfGhIjKlMnOpQrStUv","nbf":1789996400,' +
        '"exp":1790003600,"iat":1789996400,"gst":1,"ent":2,"x":{"y":[1]}}',
    ) as unknown;
    expect(plainTokenClaims(raw)).toStrictEqual(tokenClaimsSchema.parse(raw));
    const noEnt = { ...(raw as object), ent: undefined, iat: 5 };
    expect(plainTokenClaims(noEnt)).toStrictEqual(tokenClaimsSchema.parse(noEnt));
  });
});
