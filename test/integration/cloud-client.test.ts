import { createCloudClient, type FetchLike } from '@lounge/cloud-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cloudApi } from '../../scripts/demo/setup.ts';
import { LOUNGE, makeCloud, type TestCloud } from '@lounge/cloud/test-support';

// @lounge/cloud-client against the real cloud app, behind a gateway that serves it under a path
// prefix: the typed calls the app team, provisioning and the demo make.

const GATEWAY = 'https://gw.example.com/lounge/';
const BCN = 'BCN-T1-SALA';

let cloud: TestCloud;
const urls: string[] = [];
/** The gateway: answers only under its prefix, and hands the rest of the path to the cloud. */
const gateway: FetchLike = async (url, init) => {
  urls.push(url);
  if (!url.startsWith(GATEWAY)) return new Response('not behind the gateway', { status: 502 });
  return cloud.app.request(`/${url.slice(GATEWAY.length)}`, init);
};
const client = (credential?: string) =>
  createCloudClient({ baseUrl: GATEWAY, fetch: gateway, credential });

/** A UTC date `days` after the test clock's today. */
const day = (days: number) =>
  new Date(cloud.clock.now() + days * 86_400_000).toISOString().slice(0, 10);

beforeAll(async () => {
  cloud = await makeCloud();
});
afterAll(() => cloud.close());

describe('@lounge/cloud-client', () => {
  it('issues idempotently, reads, and answers problems with their code', async () => {
    const app = client(cloud.appKey);
    const body = {
      customerId: 'IB0700',
      loungeId: LOUNGE,
      flight: { number: 'IB0612', date: day(0) },
    };
    const header = { 'idempotency-key': 'order-700' };
    const first = await app.POST('/v1/invitations', { body, params: { header } });
    expect(first.response.status).toBe(201);
    const again = await app.POST('/v1/invitations', { body, params: { header } });
    expect(again.data?.id).toBe(first.data?.id);
    const read = await app.GET('/v1/invitations/{id}', {
      params: { path: { id: first.data!.id } },
    });
    expect(read.data).toMatchObject({ id: first.data!.id, status: 'issued', guests: 0 });

    const twice = await app.POST('/v1/invitations', { body });
    expect([twice.response.status, twice.error?.code]).toEqual([409, 'ALREADY_INVITED']);
    const suspended = await app.POST('/v1/invitations', {
      body: { ...body, customerId: 'IB0004' },
    });
    expect([suspended.response.status, suspended.error?.code]).toEqual([403, 'NOT_ELIGIBLE']);
    const anonymous = await client().GET('/v1/invitations', {
      params: { query: { customerId: 'IB0700' } },
    });
    expect(anonymous.error?.code).toBe('UNAUTHORIZED');
    expect(urls.every((u) => u.startsWith(GATEWAY))).toBe(true);
  });

  it('lets an admin list invitations by lounge, status and flight dates, page by page', async () => {
    const admin = client(cloud.admin);
    const put = await admin.PUT('/v1/lounges/{id}', {
      params: { path: { id: BCN } },
      body: { airport: 'BCN', name: 'Sala BCN', timezone: 'Europe/Madrid' },
    });
    expect(put.response.status).toBe(200);
    const issue = async (customerId: string, loungeId: string, number: string, date: string) => {
      cloud.clock.advance(1000); // newest first is by creation time
      const res = await admin.POST('/v1/invitations', {
        body: { customerId, loungeId, flight: { number, date } },
      });
      expect(res.response.status, res.error?.detail).toBe(201);
      return res.data!.id;
    };
    const mad1 = await issue('IB0701', LOUNGE, 'IB0100', day(1));
    const mad2 = await issue('IB0702', LOUNGE, 'IB0101', day(2));
    const mad3 = await issue('IB0703', LOUNGE, 'IB0102', day(2));
    const bcn = await issue('IB0704', BCN, 'IB3100', day(2));
    await admin.POST('/v1/invitations/{id}/revoke', {
      params: { path: { id: mad3 } },
      body: { reason: 'flight cancelled' },
    });

    type Query = { loungeId?: string; status?: 'issued' | 'revoked'; from?: string; to?: string };
    const list = async (query: Query) => {
      const ids: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await admin.GET('/v1/invitations', {
          params: { query: { ...query, limit: 1, cursor } },
        });
        expect(page.response.status).toBe(200);
        expect(page.data!.items.length).toBeLessThanOrEqual(1);
        ids.push(...page.data!.items.map((i) => i.id));
        cursor = page.data!.nextCursor ?? undefined;
      } while (cursor);
      return ids;
    };
    const dated = { from: day(1), to: day(2) };
    // Newest first, across customers; filters combine.
    expect(await list({ loungeId: LOUNGE, ...dated })).toEqual([mad3, mad2, mad1]);
    expect(await list({ loungeId: LOUNGE, status: 'issued', ...dated })).toEqual([mad2, mad1]);
    expect(await list({ loungeId: LOUNGE, status: 'revoked' })).toEqual([mad3]);
    expect(await list({ loungeId: LOUNGE, from: day(2), to: day(2) })).toEqual([mad3, mad2]);
    expect(await list({ from: day(2), to: day(2), status: 'issued' })).toEqual([bcn, mad2]);
    expect(await list({ loungeId: BCN })).toEqual([bcn]);
    expect(await list({ loungeId: LOUNGE, from: day(3) })).toEqual([]);
    const wrongWay = await admin.GET('/v1/invitations', {
      params: { query: { from: 'tomorrow' } },
    });
    expect([wrongWay.response.status, wrongWay.error?.code]).toEqual([400, 'INVALID_REQUEST']);
  });

  it("carries the demo's setup calls under the gateway prefix", async () => {
    urls.length = 0;
    const api = cloudApi(GATEWAY, cloud.admin, (url, init) =>
      gateway(String(url), init as Parameters<FetchLike>[1]),
    );
    await api.putLounge();
    const appKey = await api.createAppKey();
    expect(appKey).toMatch(/^lk_/);
    expect(await api.enrollmentToken()).toMatch(/^let_/);
    const first = await api.issueSample(appKey, day(0));
    // A rerun meets ALREADY_INVITED: the demo revokes that invitation and issues a fresh one.
    const second = await api.issueSample(appKey, day(0));
    expect(second.id).not.toBe(first.id);
    const old = await client(cloud.admin).GET('/v1/invitations/{id}', {
      params: { path: { id: first.id } },
    });
    expect(old.data?.status).toBe('revoked');
    expect(urls.length).toBeGreaterThanOrEqual(7);
    expect(urls.every((u) => u.startsWith(GATEWAY))).toBe(true);
  });
});
