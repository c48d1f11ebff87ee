import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOUNGE, makeCloud, type TestCloud } from './harness.ts';

// SPEC.md 5, the HTTP contract: media type, strict bodies and query strings, readable details.
let cloud: TestCloud;
beforeAll(async () => {
  cloud = await makeCloud();
});
afterAll(() => cloud.close());

type Res = { status: number; headers: Headers; json: unknown };
const problemOf = (res: Res, status: number, code: string) => {
  const json = res.json as { code?: string; detail?: string };
  expect({ status: res.status, code: json.code }).toEqual({ status, code });
  expect(res.headers.get('content-type')).toContain('application/problem+json');
  return json.detail ?? '';
};

/** A request whose body carries exactly the given Content-Type, or none at all. */
async function send(method: string, path: string, body: string, type?: string, key?: string) {
  const headers: Record<string, string> = {};
  if (type !== undefined) headers['content-type'] = type;
  if (key) headers.authorization = `Bearer ${key}`;
  // Bytes, not a string: a string body would make fetch add text/plain by itself.
  const res = await cloud.app.request(path, {
    method,
    headers,
    body: new TextEncoder().encode(body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, json: JSON.parse(text) as unknown };
}

describe('415 UNSUPPORTED_MEDIA_TYPE', () => {
  const body = () => JSON.stringify(cloud.invitationBody({ customerId: 'IB0800' }));

  it('refuses a JSON body sent without Content-Type or as another type', async () => {
    for (const type of [
      undefined,
      'text/plain',
      'application/x-www-form-urlencoded',
      'application/merge-patch+json',
      'application/jsonp',
    ]) {
      const res = await send('POST', '/v1/invitations', body(), type, cloud.admin);
      const detail = problemOf(res, 415, 'UNSUPPORTED_MEDIA_TYPE');
      expect(detail).toMatch(/application\/json/);
    }
    expect((await cloud.store.listInvitations('IB0800', 10, null)).items).toEqual([]);
  });

  it('refuses it before any credential, on enrolment too (no 500)', async () => {
    const enrol = await send('POST', '/v1/devices/enroll', '{"publicKey":{}}');
    problemOf(enrol, 415, 'UNSUPPORTED_MEDIA_TYPE');
    const plain = await send('POST', '/v1/devices/enroll', '{}', 'text/plain', 'let_x_y');
    problemOf(plain, 415, 'UNSUPPORTED_MEDIA_TYPE');
  });

  it('takes application/json with parameters, and an empty body of any type', async () => {
    const charset = await send(
      'POST',
      '/v1/invitations',
      body(),
      'Application/JSON; charset=utf-8',
      cloud.admin,
    );
    expect(charset.status).toBe(201);
    const id = (charset.json as { id: string }).id;
    const revoke = await send(
      'POST',
      `/v1/api-keys/key_nope/revoke`,
      '',
      'text/plain',
      cloud.admin,
    );
    expect(revoke.status).not.toBe(415);
    expect((await cloud.call('GET', `/v1/invitations/${id}`)).status).toBe(200);
  });

  it('is declared in /openapi.json on every operation that takes a body', async () => {
    const doc = await cloud.call<{
      paths: Record<string, Record<string, { requestBody?: unknown; responses: object }>>;
    }>('GET', '/openapi.json', { key: null });
    const withBody = Object.entries(doc.json.paths).flatMap(([path, ops]) =>
      Object.entries(ops)
        .filter(([, op]) => op.requestBody !== undefined)
        .map(([method, op]) => ({ op: `${method} ${path}`, statuses: Object.keys(op.responses) })),
    );
    expect(withBody.length).toBeGreaterThanOrEqual(8);
    for (const { op, statuses } of withBody)
      expect({ op, statuses }).toMatchObject({
        op,
        statuses: expect.arrayContaining(['400', '415']),
      });
    const issue = doc.json.paths['/v1/invitations']!.post!.responses;
    expect(Object.keys(issue)).toEqual(expect.arrayContaining(['201', '415', '422']));
  });
});

describe('strict bodies and query strings', () => {
  it('400 names an unknown body field ("guest": 2 issued nothing but 0 guests)', async () => {
    const res = await cloud.call('POST', '/v1/invitations', {
      body: { ...cloud.invitationBody({ customerId: 'IB0801' }), guests: undefined, guest: 2 },
    });
    expect(problemOf(res, 400, 'INVALID_REQUEST')).toBe('unknown field guest');
    const nested = await cloud.call('POST', '/v1/invitations', {
      body: cloud.invitationBody({
        customerId: 'IB0801',
        flight: { number: 'IB0612', date: 'x', gate: 'A1' },
      }),
    });
    expect(problemOf(nested, 400, 'INVALID_REQUEST')).toContain('unknown field flight.gate');
    expect((await cloud.store.listInvitations('IB0801', 10, null)).items).toEqual([]);
  });

  it('400 names unknown fields on the other bodies too', async () => {
    const cases: Array<[string, string, Record<string, unknown>, string]> = [
      ['POST', '/v1/api-keys', { role: 'app', name: 'n', scope: 'all' }, 'scope'],
      ['POST', '/v1/enrollment-tokens', { loungeId: LOUNGE, ttl: 60 }, 'ttl'],
      ['PUT', `/v1/lounges/${LOUNGE}`, { airport: 'MAD', name: 'V', timezone: 'UTC', tz: 1 }, 'tz'],
      ['POST', '/v1/validate', { code: 'x', loungeId: LOUNGE, consumed: true }, 'consumed'],
      [
        'POST',
        '/v1/invitations/inv_01JD00000000000000000000AB/revoke',
        { reason: 'r', why: 1 },
        'why',
      ],
    ];
    for (const [method, path, body, field] of cases) {
      const res = await cloud.call(method, path, { body });
      expect({ path, detail: problemOf(res, 400, 'INVALID_REQUEST') }).toEqual({
        path,
        detail: `unknown field ${field}`,
      });
    }
  });

  it('400 names an unknown query parameter', async () => {
    const cases = [
      ['/v1/invitations?customerId=IB0001&colour=red', 'colour'],
      ['/v1/revocations?after=0&since=3', 'since'],
      ['/v1/devices?lounge=MAD-T4S-VELAZQUEZ', 'lounge'],
    ];
    for (const [path, name] of cases) {
      const res = await cloud.call('GET', path!);
      expect(problemOf(res, 400, 'INVALID_REQUEST')).toBe(`unknown parameter ${name}`);
    }
    const made = await cloud.call<{ qr: { png: string } }>('POST', '/v1/invitations', {
      body: cloud.invitationBody({ customerId: 'IB0802' }),
    });
    const link = new URL(made.json.qr.png);
    const extra = await cloud.call('GET', `${link.pathname}${link.search}&size=big`, { key: null });
    expect(problemOf(extra, 400, 'INVALID_REQUEST')).toBe('unknown parameter size');
  });

  it('?status= and the other SPEC filters narrow the list (they were ignored)', async () => {
    const issue = (customerId: string) =>
      cloud.call<{ id: string }>('POST', '/v1/invitations', {
        body: cloud.invitationBody({ customerId }),
      });
    const kept = await issue('IB0803');
    const revoked = await issue('IB0803');
    expect(revoked.status).toBe(409);
    await cloud.call('POST', `/v1/invitations/${kept.json.id}/revoke`, { body: { reason: 'r' } });
    const fresh = await issue('IB0803');
    expect(fresh.status).toBe(201);
    type Page = { items: { id: string; status: string }[] };
    const list = (query: string) =>
      cloud.call<Page>('GET', `/v1/invitations?customerId=IB0803&${query}`, { key: cloud.appKey });
    expect((await list('status=issued')).json.items.map((i) => i.id)).toEqual([fresh.json.id]);
    expect((await list('status=revoked')).json.items.map((i) => i.id)).toEqual([kept.json.id]);
    expect((await list(`loungeId=${LOUNGE}`)).json.items).toHaveLength(2);
    expect((await list('loungeId=BCN-T1-NONE')).json.items).toHaveLength(0);
    const date = new Date(cloud.clock.now()).toISOString().slice(0, 10);
    expect((await list(`from=${date}&to=${date}`)).json.items).toHaveLength(2);
    expect(problemOf(await list('status=gone'), 400, 'INVALID_REQUEST')).toMatch(/^status must be/);
    const appWide = await cloud.call('GET', '/v1/invitations?status=issued', { key: cloud.appKey });
    expect(problemOf(appWide, 400, 'INVALID_REQUEST')).toMatch(/customerId is required/);
    const adminWide = await cloud.call<Page>('GET', '/v1/invitations?status=revoked');
    expect(adminWide.json.items.map((i) => i.id)).toContain(kept.json.id);
  });

  it('details read as sentences: "loungeId is required"', async () => {
    const { loungeId: _omitted, ...noLounge } = cloud.invitationBody();
    const missing = await cloud.call('POST', '/v1/invitations', { body: noLounge });
    expect(problemOf(missing, 400, 'INVALID_REQUEST')).toBe('loungeId is required');
    const noDate = await cloud.call('POST', '/v1/invitations', {
      body: cloud.invitationBody({ flight: { number: 'IB0612' } }),
    });
    expect(problemOf(noDate, 400, 'INVALID_REQUEST')).toBe('flight.date is required');
    const type = await cloud.call('POST', '/v1/invitations', {
      body: cloud.invitationBody({ guests: 'two' }),
    });
    expect(problemOf(type, 400, 'INVALID_REQUEST')).toBe('guests must be a number');
    const query = await cloud.call('GET', '/v1/invitations?limit=1000&customerId=IB0001');
    expect(problemOf(query, 400, 'INVALID_REQUEST')).toBe('limit must be at most 100');
    const malformed = await cloud.call('POST', '/v1/invitations', { raw: '{"customerId":' });
    expect(problemOf(malformed, 400, 'INVALID_REQUEST')).toBe('the body is not valid JSON');
    for (const detail of [missing, noDate, type, query].map(
      (r) => (r.json as { detail: string }).detail,
    )) {
      expect(detail).not.toMatch(/Invalid input|expected .*, received/);
    }
  });
});
