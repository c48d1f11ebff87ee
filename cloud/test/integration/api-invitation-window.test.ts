import { ManualClock } from '@lounge/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { utcDate } from '@lounge/test-helpers/dates';
import type { InvitationView } from '../../src/domain/views.ts';
import { createStubIntegrations } from '../../src/integrations/index.ts';
import type { Integrations } from '../../src/integrations/ports.ts';
import { makeCloud, type TestCloud } from './harness.ts';

// SPEC.md 5: no invitation that can never be used (a window already over, a departure beyond
// INVITATION_MAX_AHEAD), and no image for an invitation that is revoked or expired.
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

type Res = { status: number; headers: Headers; json: unknown };
const expectProblem = (res: Res, status: number, code: string) => {
  expect({ status: res.status, code: (res.json as { code?: string }).code }).toEqual({
    status,
    code,
  });
  expect(res.headers.get('content-type')).toContain('application/problem+json');
};

describe('with the stub airline', () => {
  let cloud: TestCloud;
  beforeAll(async () => {
    cloud = await makeCloud();
  });
  afterAll(() => cloud.close());
  const issue = (customerId: string, days: number) =>
    cloud.call<InvitationView>('POST', '/v1/invitations', {
      body: cloud.invitationBody({
        customerId,
        flight: { number: 'IB0612', date: utcDate(days, cloud.clock.now()) },
      }),
    });

  it('422 FLIGHT_DEPARTED for yesterday’s flight; nothing stored', async () => {
    const res = await issue('IB0400', -1);
    expectProblem(res, 422, 'FLIGHT_DEPARTED');
    expect((res.json as unknown as { detail: string }).detail).toMatch(/departed/);
    expect((await cloud.store.listInvitations('IB0400', 10, null)).items).toEqual([]);
  });

  it('422 FLIGHT_TOO_FAR_AHEAD beyond the default 30 days; 201 within them', async () => {
    expectProblem(await issue('IB0401', 31), 422, 'FLIGHT_TOO_FAR_AHEAD');
    expect((await issue('IB0402', 29)).status).toBe(201);
  });
});

describe('at the edges of the window (a flight whose departure the test sets)', () => {
  const base = new ManualClock(Date.now());
  let departure = 0;
  const stub = createStubIntegrations({ clock: base });
  const integrations: Integrations = {
    ...stub,
    enrichment: {
      async getFlight(number, date) {
        const departureTime = new Date(departure).toISOString();
        return { number, date, departureTime, origin: 'MAD', terminal: '4S' };
      },
    },
  };
  let cloud: TestCloud;
  let n = 0;
  beforeAll(async () => {
    cloud = await makeCloud({ integrations });
    departure = Math.ceil(cloud.clock.now() / HOUR) * HOUR + 40 * DAY;
  });
  afterAll(() => cloud.close());
  const issueAt = (nowMs: number) => {
    cloud.clock.set(nowMs);
    return cloud.call<InvitationView>('POST', '/v1/invitations', {
      body: cloud.invitationBody({ customerId: `IB05${String(n++).padStart(2, '0')}` }),
    });
  };

  it('refuses a departure more than INVITATION_MAX_AHEAD ahead, to the millisecond', async () => {
    expectProblem(await issueAt(departure - 30 * DAY - 1), 422, 'FLIGHT_TOO_FAR_AHEAD');
    expect((await issueAt(departure - 30 * DAY)).status).toBe(201);
  });

  it('refuses once departure + VALIDITY_AFTER_DEPARTURE is reached, to the millisecond', async () => {
    const until = departure + 30 * 60_000;
    const last = await issueAt(until - 1);
    expect(last.status).toBe(201);
    expect(last.json).toMatchObject({
      status: 'issued',
      validUntil: new Date(until).toISOString(),
    });
    expectProblem(await issueAt(until), 422, 'FLIGHT_DEPARTED');
    expectProblem(await issueAt(until + DAY), 422, 'FLIGHT_DEPARTED');
  });

  it('signs links that expire at validUntil; an expired invitation’s image is 410', async () => {
    const made = await issueAt(departure - DAY);
    expect(made.status).toBe(201);
    const link = new URL(made.json.qr.png);
    const validUntil = Date.parse(made.json.validUntil);
    expect(Number(link.searchParams.get('exp')) * 1000).toBeLessThanOrEqual(validUntil);
    expect(Date.parse(made.json.qr.expiresAt)).toBeLessThanOrEqual(validUntil);
    const path = link.pathname + link.search;
    cloud.clock.set(validUntil - 1);
    expect((await cloud.call('GET', path, { key: null })).status).toBe(200);
    cloud.clock.set(validUntil);
    expectProblem(await cloud.call('GET', path, { key: null }), 410, 'INVITATION_EXPIRED');
    expectProblem(await cloud.call('GET', link.pathname), 410, 'INVITATION_EXPIRED');
    // A forged link stays a 403: only a holder of a genuine link learns the invitation's state.
    const forged = path.replace(/sig=./, (m) => (m.endsWith('A') ? 'sig=B' : 'sig=A'));
    expectProblem(await cloud.call('GET', forged, { key: null }), 403, 'INVALID_LINK');
  });
});

describe('images of revoked invitations and link spelling', () => {
  let cloud: TestCloud;
  beforeAll(async () => {
    cloud = await makeCloud();
  });
  afterAll(() => cloud.close());

  it('410 INVITATION_REVOKED through a signed link and with a key', async () => {
    const made = await cloud.call<InvitationView>('POST', '/v1/invitations', {
      body: cloud.invitationBody({ customerId: 'IB0600' }),
    });
    expect(made.status).toBe(201);
    const revoked = await cloud.call('POST', `/v1/invitations/${made.json.id}/revoke`, {
      body: { reason: 'test' },
    });
    expect(revoked.status).toBe(200);
    for (const url of [made.json.qr.png, made.json.qr.svg]) {
      const link = new URL(url);
      const res = await cloud.call('GET', link.pathname + link.search, { key: null });
      expectProblem(res, 410, 'INVITATION_REVOKED');
      expectProblem(await cloud.call('GET', link.pathname), 410, 'INVITATION_REVOKED');
    }
  });

  it('403 INVALID_LINK for every other spelling of a genuine link', async () => {
    const made = await cloud.call<InvitationView>('POST', '/v1/invitations', {
      body: cloud.invitationBody({ customerId: 'IB0601' }),
    });
    const link = new URL(made.json.qr.png);
    expect((await cloud.call('GET', link.pathname + link.search, { key: null })).status).toBe(200);
    const exp = link.searchParams.get('exp')!;
    const sig = link.searchParams.get('sig')!;
    const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const last = B64.indexOf(sig.at(-1)!);
    const spellings = [
      ...[1, 2, 3].map((bits) => `exp=${exp}&sig=${sig.slice(0, -1)}${B64[last | bits]}`),
      `exp=0${exp}&sig=${sig}`,
      `exp=${exp}&sig=${sig}=`,
    ];
    for (const query of spellings) {
      const res = await cloud.call('GET', `${link.pathname}?${query}`, { key: null });
      expect({ query, status: res.status }).toEqual({ query, status: 403 });
    }
  });
});
