import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ManualClock, signToken, type Ed25519PrivateJwk } from '@lounge/shared';
import type { Fetch } from './cloud-client.ts';
import { dryRun, formatDryRun } from './dry-run.ts';
import type { EdgeConfig } from './edge-config.ts';

const clock = new ManualClock(Date.UTC(2026, 10, 25, 12));
const config = {
  loungeId: 'MAD-T4S-VELAZQUEZ',
  cloudUrl: 'http://gw.test/cloud/', // behind a gateway prefix (SPEC.md 8)
  api: { host: '127.0.0.1', port: 8081, token: 'local-api-token-0123456789' },
  clockSkewSeconds: 120,
} as EdgeConfig;

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

async function signedToken(): Promise<{ token: string; jwks: unknown }> {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const now = Math.floor(clock.now() / 1000);
  const token = await signToken(
    {
      iss: 'http://cloud.test',
      jti: 'inv_01JDQ5S3Z4W8X9Y0ABCDEFGHJK',
      aud: 'MAD-T4S-VELAZQUEZ',
      sub: 'AAAAAAAAAAAAAAAAAAAAAA',
      nbf: now - 60,
      exp: now + 3600,
      gst: 1,
      ent: 1,
    },
    { kid: 'k1', privateKey },
  );
  const pub = publicKey.export({ format: 'jwk' }) as Ed25519PrivateJwk;
  return { token, jwks: { keys: [{ ...pub, kid: 'k1' }] } };
}

describe('dryRun', () => {
  it('asks the running agent first, with its API token', async () => {
    const calls: string[] = [];
    const fetch = (async (url: string, init?: { headers?: Record<string, string> }) => {
      calls.push(`${url} ${init?.headers?.authorization}`);
      return json(200, {
        decision: 'deny',
        reason: 'REVOKED',
        invitationId: 'inv_x',
        admit: 0,
        entriesLeft: 1,
      });
    }) as unknown as Fetch;
    const d = await dryRun('code', config, fetch, clock);
    expect(calls).toEqual(['http://127.0.0.1:8081/v1/verify Bearer local-api-token-0123456789']);
    expect(formatDryRun(d!)).toBe(
      'decision (dry run): deny (REVOKED) for inv_x [the running agent]',
    );
  });

  it('without the agent, verifies offline against the cloud JWKS', async () => {
    const { token, jwks } = await signedToken();
    const fetch = (async (url: string) => {
      if (url.endsWith('/v1/verify')) throw new TypeError('fetch failed');
      if (url === 'http://gw.test/cloud/.well-known/jwks.json') return json(200, jwks);
      return json(404, {});
    }) as unknown as Fetch;
    const d = await dryRun(token, config, fetch, clock);
    expect(d).toEqual({
      source: 'offline',
      decision: 'grant',
      reason: 'OK',
      invitationId: 'inv_01JDQ5S3Z4W8X9Y0ABCDEFGHJK',
      admit: 2,
      entriesLeft: 0,
    });
    const other = await dryRun(token, { ...config, loungeId: 'BCN-T1-X' }, fetch, clock);
    expect(other).toMatchObject({ decision: 'deny', reason: 'WRONG_LOUNGE' });
  });

  it('gives up (undefined) when neither answers', async () => {
    const fetch = (async () => {
      throw new TypeError('fetch failed');
    }) as unknown as Fetch;
    expect(await dryRun('code', config, fetch, clock)).toBeUndefined();
  });
});
