import { generateKeyPairSync } from 'node:crypto';
import { ManualClock, type Ed25519PublicJwk } from '@lounge/shared';
import { describe, expect, it } from 'vitest';
import { CloudClient, type Fetch } from './cloud-client.ts';

describe('CloudClient', () => {
  it("keeps the cloud URL's path prefix and query on every call (SPEC.md 8)", async () => {
    const urls: string[] = [];
    const fetch = (async (url: string) => {
      urls.push(url);
      return new Response('{}', { status: 200 });
    }) as unknown as Fetch;
    const clock = new ManualClock();
    await new CloudClient('https://gw.example.com/lounge/', fetch, clock).send('GET', '/healthz');
    await new CloudClient('https://gw.example.com/lounge?k=1', fetch, clock).send(
      'GET',
      '/v1/revocations?after=0&limit=1',
    );
    expect(urls).toEqual([
      'https://gw.example.com/lounge/healthz',
      'https://gw.example.com/lounge/v1/revocations?k=1&after=0&limit=1',
    ]);
  });
});

describe('CloudClient typed calls', () => {
  const seen: { url: string; auth?: string; body?: string }[] = [];
  const fetch = (async (url: string, init: { headers: Record<string, string>; body?: string }) => {
    seen.push({ url, auth: init.headers.authorization, body: init.body });
    if (url.endsWith('/enroll')) {
      return Response.json(
        { code: 'ENROLLMENT_TOKEN_USED', detail: 'used', status: 409 },
        { status: 409 },
      );
    }
    return Response.json({}, { status: 200 });
  }) as unknown as Fetch;
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const creds = { deviceId: 'dev_1', issuer: 'https://gw.example.com/lounge', privateKey };
  const jwk = publicKey.export({ format: 'jwk' }) as Ed25519PublicJwk;

  it('enrols, decommissions and rotates keys under the base path, with fresh assertions', async () => {
    const cloud = new CloudClient('https://gw.example.com/lounge/', fetch, new ManualClock());
    await expect(cloud.enroll('let_x', { publicKey: jwk })).rejects.toMatchObject({
      code: 'ENROLLMENT_TOKEN_USED',
    });
    expect(await cloud.decommission(creds)).toEqual({ ok: true, status: 200, problem: {} });
    expect((await cloud.rotateKey(creds, jwk)).ok).toBe(true);
    expect(seen.map((s) => s.url)).toEqual([
      'https://gw.example.com/lounge/v1/devices/enroll',
      'https://gw.example.com/lounge/v1/devices/dev_1/decommission',
      'https://gw.example.com/lounge/v1/devices/dev_1/key',
    ]);
    expect(seen[0]!.auth).toBe('Bearer let_x');
    expect(JSON.parse(seen[2]!.body!)).toEqual({ publicKey: jwk });
    // Each device call signs a new assertion (the cloud accepts each jti once).
    expect(seen[1]!.auth).toMatch(/^Bearer ey/);
    expect(seen[2]!.auth).not.toBe(seen[1]!.auth);
  });

  it('turns a network failure into one sentence naming the cloud', async () => {
    const down = (async () => {
      throw Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } });
    }) as unknown as Fetch;
    const cloud = new CloudClient('http://10.0.0.9:8080', down, new ManualClock());
    await expect(cloud.decommission(creds)).rejects.toMatchObject({
      message: 'Cannot reach the cloud at http://10.0.0.9:8080 (ECONNREFUSED).',
      code: 'CLOUD_UNREACHABLE',
    });
  });
});
