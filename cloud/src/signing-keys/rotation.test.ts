import { describe, expect, it } from 'vitest';
import {
  DEFAULT_PUBLISH_LEAD_MS,
  currentSigningKid,
  jwksOf,
  planRotation,
  publishedKeys,
  retiredKids,
  type SigningKeyRecord,
} from './rotation.ts';

const T0 = Date.UTC(2026, 10, 25, 12);
const MIN = 60_000;
const HOUR = 60 * MIN;

function key(
  kid: string,
  activatesAt: number,
  lastTokenExp: number | null = null,
): SigningKeyRecord {
  const x = kid.padEnd(43, 'A');
  return {
    kid,
    publicJwk: { kty: 'OKP', crv: 'Ed25519', x },
    createdAt: activatesAt - DEFAULT_PUBLISH_LEAD_MS,
    activatesAt,
    lastTokenExp,
    retiredAt: null,
  };
}
const kids = (records: SigningKeyRecord[]) => records.map((r) => r.kid);

describe('rotation policy', () => {
  it('has no current key before the first one exists or activates', () => {
    expect(currentSigningKid([], T0)).toBeUndefined();
    expect(currentSigningKid([key('k1', T0 + 1)], T0)).toBeUndefined();
  });

  it('the first key of all signs at once; later keys wait the publish lead', () => {
    expect(planRotation(T0, 5 * MIN, [])).toBe(T0);
    expect(planRotation(T0, 5 * MIN, [key('k1', T0 - HOUR)])).toBe(T0 + 5 * MIN);
    expect(planRotation(T0)).toBe(T0 + DEFAULT_PUBLISH_LEAD_MS);
    expect(() => planRotation(T0, -1)).toThrow(RangeError);
  });

  it('walks a rotation: pre-publish, switch, keep the old key until its last token expires', () => {
    // k1 has signed tokens up to exp T0 + 6 h; k2 is created at T0 and activates at T0 + 5 min.
    const lastExp = (T0 + 6 * HOUR) / 1000;
    const k1 = key('k1', T0 - 24 * HOUR, lastExp);
    const k2 = key('k2', planRotation(T0, 5 * MIN, [k1]));
    const records = [k1, k2];

    // Before activation: k1 still signs, both are published (k2 first: newest).
    expect(currentSigningKid(records, T0)).toBe('k1');
    expect(kids(publishedKeys(records, T0))).toEqual(['k2', 'k1']);

    // At activation k2 signs; k1 stays published for its outstanding tokens.
    expect(currentSigningKid(records, T0 + 5 * MIN)).toBe('k2');
    expect(kids(publishedKeys(records, T0 + 5 * MIN))).toEqual(['k2', 'k1']);

    // One second before k1's last token expires it is still there; at expiry it is gone.
    expect(kids(publishedKeys(records, lastExp * 1000 - 1000))).toEqual(['k2', 'k1']);
    expect(kids(publishedKeys(records, lastExp * 1000))).toEqual(['k2']);
  });

  it('drops a superseded key that never signed anything', () => {
    const records = [key('k1', T0 - HOUR), key('k2', T0 - MIN)];
    expect(kids(publishedKeys(records, T0))).toEqual(['k2']);
  });

  it('never signs with a retired key and takes it out of the JWKS at once (SPEC.md 4)', () => {
    const lastExp = (T0 + HOUR) / 1000;
    const k1 = key('k1', T0 - 2 * HOUR, lastExp);
    const k2 = key('k2', T0 - HOUR, lastExp);
    expect(kids(publishedKeys([k1, k2], T0))).toEqual(['k2', 'k1']);
    const retired = { ...k2, retiredAt: T0 - MIN };
    expect(currentSigningKid([k1, retired], T0)).toBe('k1');
    // Its tokens still live: it goes anyway (they are re-signed with the signing key).
    expect(kids(publishedKeys([k1, retired], T0))).toEqual(['k1']);
    expect(retiredKids([k1, retired], T0)).toEqual(['k2']);
    // Retiring the superseded key too leaves nothing published but the keys that may sign.
    expect(kids(publishedKeys([{ ...k1, retiredAt: T0 }, retired], T0))).toEqual([]);
  });

  it('does not pre-publish a key retired before it activated', () => {
    const k1 = key('k1', T0 - HOUR);
    const k2 = { ...key('k2', T0 + MIN), retiredAt: T0 };
    expect(kids(publishedKeys([k1, k2], T0))).toEqual(['k1']);
  });

  it('serves the JWKS in RFC 8037 form with kid, alg and use', () => {
    const k1 = key('k1', T0 - HOUR);
    expect(jwksOf([k1], T0)).toEqual({
      keys: [
        { kty: 'OKP', crv: 'Ed25519', x: k1.publicJwk.x, kid: 'k1', alg: 'EdDSA', use: 'sig' },
      ],
    });
    expect(jwksOf([], T0)).toEqual({ keys: [] });
  });
});
