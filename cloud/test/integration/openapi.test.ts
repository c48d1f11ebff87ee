import { generateKeyPairSync } from 'node:crypto';
import { createDeviceAssertion, type Ed25519PrivateJwk } from '@lounge/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import type { AppDeps } from '../../src/deps.ts';
import { DatabaseUnavailableError } from '../../src/store/errors.ts';
import type { CloudStore } from '../../src/store/port.ts';
import { LOUNGE, makeCloud, PUBLIC_URL, type TestCloud } from './harness.ts';

// SPEC.md 5: `/openapi.json` gives every operation an operationId, a summary, a tag and every
// status it can answer. The statuses are checked by calling each operation the ways that make
// the cross-cutting answers happen (no credential, the wrong role, a bad body, the database
// away, the limiters), so an operation added without its statuses fails here.

interface Operation {
  operationId?: string;
  summary?: string;
  tags?: string[];
  security?: object[];
  parameters?: { in: string; name: string }[];
  requestBody?: unknown;
  responses: Record<string, unknown>;
}
interface Doc {
  tags?: { name: string }[];
  paths: Record<string, Record<string, Operation>>;
}
interface Op extends Operation {
  method: string;
  path: string;
  name: string;
}

let cloud: TestCloud;
let doc: Doc;
let ops: Op[];
let device: { deviceId: string; privateJwk: Ed25519PrivateJwk };

/** Path parameters that pass validation and name nothing (or the test lounge). */
const SAMPLE_PARAMS: Record<string, string> = {
  '/v1/invitations/{id}': 'inv_01ARZ3NDEKTSV4RRFFQ69G5FAV',
  '/v1/lounges/{id}': LOUNGE,
  '/v1/api-keys/{id}': 'key_nope',
  '/v1/devices/{id}': 'dev_01ARZ3NDEKTSV4RRFFQ69G5FAV',
};
function urlOf(path: string): string {
  const prefix = Object.keys(SAMPLE_PARAMS).find((p) => path.startsWith(p));
  return prefix ? path.replace('{id}', SAMPLE_PARAMS[prefix]!) : path;
}

const takesBody = (op: Op) => op.method === 'post' || op.method === 'put';
/** A JSON body: one that passes enrolment's validation (so its credential is looked at), else {}. */
const jsonBody = (op: Op) =>
  !takesBody(op)
    ? {}
    : {
        type: 'application/json',
        body: JSON.stringify(
          op.operationId === 'enrollDevice'
            ? { publicKey: { kty: 'OKP', crv: 'Ed25519', x: 'A'.repeat(43) } }
            : {},
        ),
      };
/** The credential an operation is open to: enrolment takes an enrolment token. */
const keyFor = (op: Op, key: string) =>
  op.operationId === 'enrollDevice' ? `let_${'0'.repeat(16)}_${'A'.repeat(43)}` : key;
/** Routes only a device may call. */
const DEVICE_ONLY = ['recordEntries', 'rotateDeviceKey'];
const isSecured = (op: Op) => (op.security ?? []).some((s) => Object.keys(s).length > 0);
const listed = (op: Op) => Object.keys(op.responses).map(Number);

let address = 0;
/** One request through `app`; each from its own address unless `from` says otherwise. */
async function request(
  app: { request: (path: string, init: RequestInit) => Response | Promise<Response> },
  op: Op,
  init: { key?: string; body?: Uint8Array | string; type?: string; query?: string; from?: string },
): Promise<number> {
  const headers: Record<string, string> = {
    'x-test-client-address': init.from ?? `198.51.100.${++address % 250}`,
  };
  if (init.key) headers.authorization = `Bearer ${init.key}`;
  if (init.type) headers['content-type'] = init.type;
  const body = typeof init.body === 'string' ? new TextEncoder().encode(init.body) : init.body;
  const res = await app.request(`${urlOf(op.path)}${init.query ?? ''}`, {
    method: op.method.toUpperCase(),
    headers,
    body,
  });
  await res.arrayBuffer();
  return res.status;
}

/** Expects `status` to be one `op` documents, and returns it. */
function expectListed(op: Op, status: number, how: string): number {
  expect({ op: op.name, how, status }).toEqual({
    op: op.name,
    how,
    status: listed(op).includes(status) ? status : `${status}, not listed in ${listed(op)}`,
  });
  return status;
}

beforeAll(async () => {
  cloud = await makeCloud();
  doc = (await cloud.call<Doc>('GET', '/openapi.json', { key: null })).json;
  ops = Object.entries(doc.paths).flatMap(([path, byMethod]) =>
    Object.entries(byMethod).map(([method, op]) => ({
      ...op,
      method,
      path,
      name: `${method.toUpperCase()} ${path}`,
    })),
  );
  const token = await cloud.call<{ token: string }>('POST', '/v1/enrollment-tokens', {
    body: { loungeId: LOUNGE },
  });
  const { privateKey } = generateKeyPairSync('ed25519');
  const privateJwk = privateKey.export({ format: 'jwk' }) as Ed25519PrivateJwk;
  const { d: _d, ...publicKey } = privateJwk;
  const enrolled = await cloud.call<{ deviceId: string }>('POST', '/v1/devices/enroll', {
    body: { publicKey },
    key: token.json.token,
  });
  device = { deviceId: enrolled.json.deviceId, privateJwk };
});
afterAll(() => cloud.close());

const assertion = () =>
  createDeviceAssertion({
    deviceId: device.deviceId,
    privateKey: device.privateJwk,
    audience: PUBLIC_URL,
    nowMs: cloud.clock.now(),
  });

describe('GET /openapi.json', () => {
  it('lists every route the app serves', () => {
    expect(ops.map((op) => op.name)).toEqual(
      expect.arrayContaining([
        'POST /v1/invitations',
        'GET /v1/invitations',
        'GET /v1/invitations/{id}',
        'POST /v1/invitations/{id}/revoke',
        'GET /v1/invitations/{id}/qr.png',
        'GET /v1/revocations',
        'POST /v1/validate',
        'POST /v1/entries',
        'POST /v1/api-keys',
        'GET /v1/api-keys',
        'POST /v1/api-keys/{id}/revoke',
        'POST /v1/devices/enroll',
        'GET /.well-known/jwks.json',
        'GET /metrics',
      ]),
    );
    // Every route Hono matches, but for the document itself and the IBDP stand-in.
    const served = cloud.app.routes
      .filter((r) => r.method !== 'ALL' && r.path !== '/openapi.json')
      .map((r) => `${r.method} ${r.path.replace(/:(\w+)/g, '{$1}')}`);
    expect(new Set(ops.map((op) => op.name))).toEqual(new Set(served));
  });

  it('gives every operation a unique operationId, a summary and a declared tag', () => {
    const declared = (doc.tags ?? []).map((t) => t.name);
    for (const op of ops) {
      expect(op.operationId, op.name).toMatch(/^[a-z][A-Za-z0-9]+$/);
      expect(op.summary?.length ?? 0, op.name).toBeGreaterThan(10);
      expect(op.tags?.length ?? 0, op.name).toBeGreaterThan(0);
      for (const tag of op.tags ?? []) expect(declared, op.name).toContain(tag);
    }
    const ids = ops.map((op) => op.operationId);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('lists 401, 429 and 503 on every authenticated operation, 400/413/415 on every body', () => {
    for (const op of ops) {
      const want = [
        ...(isSecured(op) ? [401, 429, 503] : []),
        ...(takesBody(op) ? [400, 413, 415] : []),
        ...((op.parameters ?? []).length > 0 ? [400] : []),
      ];
      expect({ op: op.name, statuses: listed(op) }).toEqual({
        op: op.name,
        statuses: expect.arrayContaining(want),
      });
    }
  });

  it('documents Retry-After on every 429 and 503', () => {
    for (const op of ops) {
      for (const status of ['429', '503']) {
        const res = op.responses[status] as { headers?: object } | undefined;
        if (res) expect(res.headers, `${op.name} ${status}`).toHaveProperty('Retry-After');
      }
    }
  });
});

describe('every status an operation answers is listed', () => {
  it('without a credential', async () => {
    for (const op of ops) {
      const status = expectListed(op, await request(cloud.app, op, {}), 'no credential');
      if (isSecured(op)) expect([400, 401], op.name).toContain(status);
    }
  });

  it('with each kind of credential, and with an empty JSON body', async () => {
    const answered = new Map<string, Set<number>>();
    for (const op of ops) {
      for (const key of [cloud.appKey, cloud.admin, await assertion(), 'lk_nope_nope']) {
        const status = expectListed(
          op,
          await request(cloud.app, op, { key, ...jsonBody(op) }),
          'keys',
        );
        answered.set(op.name, (answered.get(op.name) ?? new Set()).add(status));
      }
    }
    // A route open to some roles answers 403 to one of the others.
    for (const op of ops.filter((o) => isSecured(o) && o.operationId !== 'enrollDevice')) {
      expect([op.name, answered.get(op.name)?.has(403)]).toEqual([op.name, true]);
    }
  });

  it('415 for a body that is not JSON and 413 for one over 64 KiB, on every POST and PUT', async () => {
    for (const op of ops.filter(takesBody)) {
      const notJson = await request(cloud.app, op, {
        key: cloud.admin,
        body: 'role=app',
        type: 'application/x-www-form-urlencoded',
      });
      expect(expectListed(op, notJson, 'form body'), op.name).toBe(415);
      const big = await request(cloud.app, op, {
        key: cloud.admin,
        body: JSON.stringify({ pad: 'x'.repeat(65 * 1024) }),
        type: 'application/json',
      });
      expect(expectListed(op, big, 'big body'), op.name).toBe(413);
    }
  });

  it('400 for an unknown query parameter where an operation takes a query', async () => {
    for (const op of ops) {
      const takesQuery = (op.parameters ?? []).some((p) => p.in === 'query');
      const status = await request(cloud.app, op, { key: cloud.admin, query: '?colour=red' });
      expectListed(op, status, 'unknown parameter');
      if (takesQuery) expect(status, op.name).toBe(400);
    }
  });

  it('503 DATABASE_UNAVAILABLE while the database is away', async () => {
    const away = new Proxy(cloud.store, {
      get(target, name) {
        const value = Reflect.get(target, name) as unknown;
        if (typeof value !== 'function') return value;
        return () => Promise.reject(new DatabaseUnavailableError('unreachable', 'test: down'));
      },
    }) as CloudStore;
    const app = createApp({ ...cloud.deps, store: away } satisfies AppDeps);
    for (const op of ops) {
      const status = expectListed(
        op,
        await request(app, op, { key: keyFor(op, cloud.admin), ...jsonBody(op) }),
        'database away',
      );
      if (isSecured(op)) expect(status, op.name).toBe(503);
    }
  });

  it('429 once an address has failed authentication too often', async () => {
    const app = createApp({ ...cloud.deps, authFailures: { burst: 1, perSecond: 1e-6 } });
    const from = '203.0.113.9';
    const first = ops.find((op) => op.operationId === 'listInvitations')!;
    expect(await request(app, first, { key: 'lk_nope_nope', from })).toBe(401);
    for (const op of ops.filter(isSecured)) {
      const status = await request(app, op, {
        key: keyFor(op, cloud.admin),
        from,
        ...jsonBody(op),
      });
      expect(expectListed(op, status, 'failed-auth limiter'), op.name).toBe(429);
    }
  });

  it('429 once a key has spent its rate', async () => {
    const app = createApp({ ...cloud.deps, settings: { ...cloud.deps.settings, rateLimit: 1 } });
    for (const op of ops.filter(isSecured)) {
      if (op.operationId === 'enrollDevice') continue; // no key to spend: the limiter above
      const statuses: number[] = [];
      for (let i = 0; i < 3; i++) {
        const key = DEVICE_ONLY.includes(op.operationId!) ? await assertion() : cloud.admin;
        statuses.push(await request(app, op, { key, ...jsonBody(op) }));
      }
      expect(expectListed(op, statuses.at(-1)!, 'rate limit'), op.name).toBe(429);
    }
  });
});
