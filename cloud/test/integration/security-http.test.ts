import { generateKeyPairSync, sign } from 'node:crypto';
import { Writable } from 'node:stream';
import { createDeviceAssertion, type Ed25519PrivateJwk } from '@lounge/shared';
import { SignJWT } from 'jose';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import { upsertLounge } from '../../src/domain/admin.ts';
import type { Enrollment } from '../../src/domain/enroll-device.ts';
import type { InvitationView } from '../../src/domain/views.ts';
import { hashApiKey, newApiKey } from '../../src/security/index.ts';
import { LOUNGE, makeCloud, PUBLIC_URL, type TestCloud } from './harness.ts';

// Hostile HTTP input against the real cloud app: every authenticated route refuses every bad
// credential, ids are never paths or SQL, tokens cannot pick their own algorithm or key.
const OTHER = 'MAD-T4N-SECURITY';
let cloud: TestCloud;
let revokedKey = '';

type Call = { status: number; headers: Headers; json: Record<string, unknown> };
function expectProblem(res: Call, status: number | number[], code?: string) {
  expect([status].flat()).toContain(res.status);
  expect(res.headers.get('content-type')).toContain('application/problem+json');
  if (code) expect(res.json.code).toBe(code);
}

function deviceKey() {
  const { privateKey } = generateKeyPairSync('ed25519');
  const privateJwk = privateKey.export({ format: 'jwk' }) as Ed25519PrivateJwk;
  const { d: _d, ...publicKey } = privateJwk;
  return { privateJwk, publicKey };
}

async function enroll(loungeId: string, c: TestCloud = cloud) {
  const token = await c.call<{ token: string }>('POST', '/v1/enrollment-tokens', {
    body: { loungeId },
  });
  const { privateJwk, publicKey } = deviceKey();
  const res = await c.call<Enrollment>('POST', '/v1/devices/enroll', {
    body: { publicKey, name: 'gate', hardware: 'rpi4' },
    key: token.json.token,
  });
  expect(res.status).toBe(201);
  return { ...res.json, privateJwk, enrollmentToken: token.json.token };
}

const assertion = (deviceId: string, privateKey: Ed25519PrivateJwk) =>
  createDeviceAssertion({ deviceId, privateKey, audience: PUBLIC_URL, nowMs: cloud.clock.now() });

async function issue(customerId: string): Promise<InvitationView> {
  const res = await cloud.call<InvitationView>('POST', '/v1/invitations', {
    body: cloud.invitationBody({ customerId }),
    key: cloud.appKey,
  });
  expect(res.status).toBe(201);
  return res.json;
}

beforeAll(async () => {
  cloud = await makeCloud();
  await upsertLounge(
    cloud.store,
    OTHER,
    { airport: 'MAD', name: 'Other', timezone: 'Europe/Madrid' },
    cloud.clock.now(),
  );
  const minted = newApiKey();
  revokedKey = minted.secret;
  await cloud.store.insertApiKey({
    id: minted.id,
    role: 'admin',
    name: 'revoked',
    hash: hashApiKey(minted.secret),
    createdAt: cloud.clock.now(),
    revokedAt: cloud.clock.now(),
  });
});
afterAll(() => cloud.close());

/** Every operation of the OpenAPI document that declares a security requirement. */
async function authenticatedRoutes(): Promise<Array<{ method: string; path: string }>> {
  const doc = await cloud.call<{ paths: Record<string, Record<string, { security?: unknown }>> }>(
    'GET',
    '/openapi.json',
    { key: null },
  );
  expect(doc.status).toBe(200);
  const routes = Object.entries(doc.json.paths).flatMap(([path, ops]) =>
    Object.entries(ops)
      .filter(([, op]) => op.security !== undefined)
      .map(([method, _op]) => ({ method: method.toUpperCase(), path })),
  );
  return routes;
}

const concrete = (path: string, id: string) =>
  path.replace(/\{[^}]+\}/g, encodeURIComponent(id)).replace(/:[a-z]+/gi, id);

describe('authentication on every route', () => {
  it('refuses missing, malformed, unknown, revoked keys and decommissioned devices with 401', async () => {
    const routes = await authenticatedRoutes();
    // The route table is the contract: it must list the protected routes we know of.
    expect(routes.length).toBeGreaterThanOrEqual(10);
    expect(routes).toContainEqual({ method: 'POST', path: '/v1/invitations' });
    const gone = await enroll(LOUNGE);
    const goneJwt = () => assertion(gone.deviceId, gone.privateJwk);
    expect((await cloud.call('POST', `/v1/devices/${gone.deviceId}/decommission`)).status).toBe(
      200,
    );
    const badBearers: Array<[string, () => string | Promise<string> | null]> = [
      ['none', () => null],
      ['garbage', () => 'not-a-key'],
      ['unknown key', () => newApiKey().secret],
      ['revoked key', () => revokedKey],
      ['decommissioned device', goneJwt],
      ['alg none assertion', () => 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.'],
    ];
    // Enrolment checks its body before its token: send a valid one so the token is what fails.
    const enrolBody = { publicKey: deviceKey().publicKey, name: 'gate', hardware: 'rpi4' };
    for (const [r, route] of routes.entries()) {
      const path = concrete(route.path, 'inv_01JD00000000000000000000AB');
      for (const [name, bearer] of badBearers) {
        const res = await cloud.call(route.method, path, {
          // One caller per route: failures from one address are limited (tested below).
          headers: { 'x-test-client-address': `198.51.100.${r}` },
          key: await bearer(),
          body: route.method === 'GET' ? undefined : path.endsWith('/enroll') ? enrolBody : {},
        });
        expect({ route: `${route.method} ${path}`, name, status: res.status }).toEqual({
          route: `${route.method} ${path}`,
          name,
          status: 401,
        });
        expect(res.headers.get('content-type')).toContain('application/problem+json');
      }
    }
  });

  it('an app key reaches no admin route and a device no key route (403)', async () => {
    expectProblem(await cloud.call('GET', '/v1/devices', { key: cloud.appKey }), 403, 'FORBIDDEN');
    expectProblem(
      await cloud.call('POST', '/v1/api-keys', { key: cloud.appKey, body: { role: 'admin' } }),
      403,
      'FORBIDDEN',
    );
    const device = await enroll(LOUNGE);
    const res = await cloud.call('POST', '/v1/invitations', {
      key: await assertion(device.deviceId, device.privateJwk),
      body: cloud.invitationBody({ customerId: 'IB0901' }),
    });
    expectProblem(res, 403, 'FORBIDDEN');
    // A used enrolment token is no credential anywhere else.
    expectProblem(await cloud.call('GET', '/v1/invitations', { key: device.enrollmentToken }), 401);
  });
});

describe('failed-authentication floods (no unbounded key lookups)', () => {
  it('limits failed authentications per address before any key lookup: 429 with Retry-After', async () => {
    let lookups = 0;
    const findApiKey = cloud.store.findApiKey.bind(cloud.store);
    const findDevice = cloud.store.findDevice.bind(cloud.store);
    cloud.store.findApiKey = (id) => (lookups++, findApiKey(id));
    cloud.store.findDevice = (id) => (lookups++, findDevice(id));
    const from = (address: string, key: string) =>
      cloud.call('GET', '/v1/devices', { key, headers: { 'x-test-client-address': address } });
    const ghost = deviceKey();
    const statuses: number[] = [];
    let last: Call | undefined;
    try {
      for (let i = 0; i < 300; i++) {
        // Bogus API keys and bogus device assertions alike.
        const key =
          i % 2
            ? newApiKey().secret
            : await assertion('dev_01JD0000000000000000000077', ghost.privateJwk);
        last = await from('203.0.113.9', key);
        statuses.push(last.status);
      }
      expect(statuses.filter((s) => s === 401)).toHaveLength(20);
      expect(statuses.filter((s) => s === 429)).toHaveLength(280);
      expect(lookups).toBe(20);
      expectProblem(last!, 429, 'RATE_LIMITED');
      expect(Number(last!.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      // Before any lookup means a good key from there waits too; other callers do not.
      expectProblem(await from('203.0.113.9', cloud.admin), 429, 'RATE_LIMITED');
      expect((await from('203.0.113.10', cloud.admin)).status).toBe(200);
      // One failure earned back per second.
      cloud.clock.advance(1_000);
      expect((await from('203.0.113.9', cloud.admin)).status).toBe(200);
    } finally {
      cloud.store.findApiKey = findApiKey;
      cloud.store.findDevice = findDevice;
    }
  });
});

describe('hostile ids and bodies', () => {
  const hostile = [
    '../../etc/passwd',
    "' OR 1=1 --",
    'inv_01JD00000000000000000000AB; DROP TABLE invitations',
    '%00',
    'dev_../../x',
  ];

  it('path traversal and SQL-looking ids in every :id route answer 400/404 problem+json', async () => {
    const doc = await cloud.call<{ paths: Record<string, Record<string, unknown>> }>(
      'GET',
      '/openapi.json',
      { key: null },
    );
    const idRoutes = Object.entries(doc.json.paths)
      .filter(([path]) => path.includes('{'))
      .flatMap(([path, ops]) => Object.keys(ops).map((m) => ({ method: m.toUpperCase(), path })));
    expect(idRoutes.length).toBeGreaterThanOrEqual(4);
    const before = await cloud.store.countApiKeys();
    for (const route of idRoutes) {
      for (const id of hostile) {
        const res = await cloud.call(route.method, concrete(route.path, id), {
          body: route.method === 'GET' ? undefined : {},
        });
        expect({ route: route.path, id, status: res.status }).toMatchObject({
          status: expect.toSatisfy((s: number) => [400, 403, 404, 422].includes(s)),
        });
        expect(res.headers.get('content-type')).toContain('application/problem+json');
      }
    }
    expect(await cloud.store.countApiKeys()).toBe(before);
    // The store still works after all of that.
    await issue('IB0902');
  });

  it('10,000 nested arrays and 1 MB bodies are refused without a crash', async () => {
    const nested = '['.repeat(10_000) + ']'.repeat(10_000);
    for (const path of ['/v1/invitations', '/v1/validate', '/v1/lounges/MAD-T4S-X']) {
      const method = path.startsWith('/v1/lounges') ? 'PUT' : 'POST';
      expectProblem(await cloud.call(method, path, { raw: nested }), [400, 413]);
      expectProblem(
        await cloud.call(method, path, { raw: `{"code":"${'A'.repeat(1_000_000)}"}` }),
        413,
        'PAYLOAD_TOO_LARGE',
      );
      expectProblem(await cloud.call(method, path, { raw: '{"a":' }), 400);
    }
    expect((await cloud.call('GET', '/healthz', { key: null })).status).toBe(200);
  });

  it('CORS is closed: no Allow-Origin on any answer, preflight refused', async () => {
    const origin = { origin: 'https://evil.test' };
    for (const [method, path] of [
      ['GET', '/healthz'],
      ['GET', '/.well-known/jwks.json'],
      ['GET', '/v1/invitations?customerId=IB0001'],
      ['POST', '/v1/invitations'],
    ] as const) {
      const res = await cloud.call(method, path, { headers: origin });
      expect(res.headers.get('access-control-allow-origin')).toBeNull();
    }
    const preflight = await cloud.call('OPTIONS', '/v1/invitations', {
      key: null,
      headers: {
        ...origin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,content-type',
      },
    });
    expect(preflight.status).toBeGreaterThanOrEqual(400);
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
    expect(preflight.headers.get('access-control-allow-methods')).toBeNull();
  });
});

describe('token forgery at /v1/validate', () => {
  const b64 = (v: object) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const validate = (code: string, loungeId = LOUNGE) =>
    cloud.call<{ decision: string; reason: string }>('POST', '/v1/validate', {
      body: { code, loungeId },
    });

  it('alg confusion, none, jku/x5u/jwk/crit headers and unknown kids are all denied', async () => {
    const inv = await issue('IB0903');
    const [header, payload] = inv.token.split('.') as [string, string];
    const kid = (JSON.parse(Buffer.from(header, 'base64url').toString()) as { kid: string }).kid;
    const jwks = await cloud.call<{ keys: Array<{ x: string }> }>('GET', '/.well-known/jwks.json', {
      key: null,
    });
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<
      string,
      unknown
    >;
    // HS256 keyed with the public key bytes: the classic confusion attack.
    const publicBytes = Buffer.from(jwks.json.keys[0]!.x, 'base64url');
    const hs = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256', kid })
      .sign(new Uint8Array(publicBytes));
    // Signed by hand: jose refuses to sign with a crit it does not know.
    const attacker = generateKeyPairSync('ed25519');
    const attackerJwk = attacker.publicKey.export({ format: 'jwk' });
    const signed = (extra: Record<string, unknown>) => {
      const input = `${b64({ alg: 'EdDSA', ...extra })}.${b64(claims)}`;
      const sig = sign(null, Buffer.from(input), attacker.privateKey).toString('base64url');
      return `${input}.${sig}`;
    };
    const cases: Array<[string, string, string[]]> = [
      ['HS256 with public key', hs, ['UNSUPPORTED_ALG']],
      ['alg none', `${b64({ alg: 'none', kid })}.${payload}.AA`, ['UNSUPPORTED_ALG']],
      // An unsecured JWT (empty signature) is an attack, not a smudge (SPEC.md 8).
      [
        'alg none, empty signature',
        `${b64({ alg: 'none', kid })}.${payload}.`,
        ['UNSUPPORTED_ALG'],
      ],
      ['unknown kid', signed({ kid: 'k-nope' }), ['UNKNOWN_KEY']],
      [
        'jku to attacker',
        signed({ kid: 'attacker', jku: 'http://127.0.0.1:9/jwks.json' }),
        ['UNKNOWN_KEY'],
      ],
      ['x5u with real kid', signed({ kid, x5u: 'http://127.0.0.1:9/c.pem' }), ['BAD_SIGNATURE']],
      ['embedded jwk', signed({ kid, jwk: attackerJwk }), ['BAD_SIGNATURE']],
      ['crit header', signed({ kid, crit: ['exp'], exp: 1 }), ['UNSUPPORTED_ALG', 'MALFORMED']],
      ['real kid, attacker signature', signed({ kid }), ['BAD_SIGNATURE']],
    ];
    for (const [name, code, reasons] of cases) {
      const res = await validate(code);
      expect({ name, status: res.status, decision: res.json.decision }).toEqual({
        name,
        status: 200,
        decision: 'deny',
      });
      expect(reasons).toContain(res.json.reason);
    }
    // Control: the genuine token is granted.
    expect((await validate(inv.token)).json.decision).toBe('grant');
  });

  it('a token for lounge A is WRONG_LOUNGE at B, and a device of B cannot validate for A', async () => {
    const inv = await issue('IB0904');
    expect((await validate(inv.token, OTHER)).json.reason).toBe('WRONG_LOUNGE');
    const deviceB = await enroll(OTHER);
    const atB = await cloud.call<{ reason: string }>('POST', '/v1/validate', {
      body: { code: inv.token, loungeId: OTHER, consume: true, gate: 'G1' },
      key: await assertion(deviceB.deviceId, deviceB.privateJwk),
    });
    expect(atB.json.reason).toBe('WRONG_LOUNGE');
    const forA = await cloud.call('POST', '/v1/validate', {
      body: { code: inv.token, loungeId: LOUNGE, consume: true, gate: 'G1' },
      key: await assertion(deviceB.deviceId, deviceB.privateJwk),
    });
    expectProblem(forA, 403, 'FORBIDDEN');
    // Nothing was consumed by either attempt.
    expect((await validate(inv.token)).json.decision).toBe('grant');
  });
});

describe('secrets never logged', () => {
  it('enrolment, issuance and key creation at debug level log no secret', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const log = pino({ level: 'trace' }, sink);
    const loud = await makeCloud();
    try {
      const app = createApp({ ...loud.deps, log });
      const call = async (method: string, path: string, body: unknown, key: string) => {
        const res = await app.request(path, {
          method,
          headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
        return (await res.json()) as Record<string, unknown>;
      };
      const created = await call('POST', '/v1/api-keys', { role: 'app', name: 'x' }, loud.admin);
      const enrolment = await call(
        'POST',
        '/v1/enrollment-tokens',
        { loungeId: LOUNGE },
        loud.admin,
      );
      const { privateJwk, publicKey } = deviceKey();
      const device = await call(
        'POST',
        '/v1/devices/enroll',
        { publicKey, name: 'gate', hardware: 'rpi4' },
        String(enrolment.token),
      );
      const inv = await call(
        'POST',
        '/v1/invitations',
        loud.invitationBody({ customerId: 'IB0001' }),
        loud.appKey,
      );
      const secrets = [
        loud.admin,
        loud.appKey,
        String(created.key),
        String(enrolment.token),
        String((device.mqtt as { password: string }).password),
        privateJwk.d,
        String(inv.token),
        'IB0001',
      ];
      for (const s of secrets) expect(s.length).toBeGreaterThan(5);
      expect(lines.length).toBeGreaterThan(3);
      const all = lines.join('');
      for (const s of secrets) expect(all).not.toContain(s);
    } finally {
      await loud.close();
    }
  });
});
