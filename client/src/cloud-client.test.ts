import { describe, expect, it } from 'vitest';
import { createCloudClient, type FetchLike } from './cloud-client.ts';

type Seen = { url: string; method: string; headers: Record<string, string>; body?: string };

function recorder(answer: () => Response = () => Response.json({ status: 'ok' })) {
  const seen: Seen[] = [];
  const fetch: FetchLike = async (url, init) => {
    seen.push({ url, method: init.method, headers: init.headers, body: init.body });
    return answer();
  };
  return { seen, fetch };
}

describe('createCloudClient', () => {
  it("keeps the base URL's path prefix and query, and encodes path and query parameters", async () => {
    const { seen, fetch } = recorder();
    const gateway = createCloudClient({ baseUrl: 'https://gw.example.com/lounge/', fetch });
    await gateway.GET('/healthz');
    const keyed = createCloudClient({ baseUrl: 'https://gw.example.com/lounge?k=1', fetch });
    await keyed.GET('/v1/revocations', { params: { query: { after: 5, limit: 10 } } });
    await keyed.GET('/v1/invitations/{id}', { params: { path: { id: 'inv_a/b' } } });
    expect(seen.map((s) => s.url)).toEqual([
      'https://gw.example.com/lounge/healthz',
      'https://gw.example.com/lounge/v1/revocations?k=1&after=5&limit=10',
      'https://gw.example.com/lounge/v1/invitations/inv_a%2Fb?k=1',
    ]);
  });

  it('sends JSON bodies and headers, and a fresh credential on every request', async () => {
    const { seen, fetch } = recorder(() => Response.json({ id: 'inv_1' }, { status: 201 }));
    let n = 0;
    const client = createCloudClient({
      baseUrl: 'http://cloud.test',
      fetch,
      credential: async () => `assertion-${++n}`,
    });
    const body = {
      customerId: 'IB1',
      loungeId: 'MAD-T4S-X',
      flight: { number: 'IB1', date: '2026-01-02' },
    };
    const { data } = await client.POST('/v1/invitations', {
      body,
      params: { header: { 'idempotency-key': 'k1' } },
    });
    await client.POST('/v1/devices/{id}/decommission', { params: { path: { id: 'dev_1' } } });
    expect(data).toEqual({ id: 'inv_1' });
    expect(seen[0]).toMatchObject({
      method: 'POST',
      body: JSON.stringify(body),
      headers: {
        authorization: 'Bearer assertion-1',
        'content-type': 'application/json',
        'idempotency-key': 'k1',
      },
    });
    expect(seen[1]).toMatchObject({
      method: 'POST',
      headers: { authorization: 'Bearer assertion-2' },
    });
    expect(seen[1]!.body).toBeUndefined();
  });

  it('answers a problem as `error`, typed by its code', async () => {
    const problem = {
      type: 'https://lounge.example/problems/not-eligible',
      title: 'Not eligible',
      status: 403,
      detail: 'no lounge access',
      code: 'NOT_ELIGIBLE',
    };
    const { fetch } = recorder(
      () =>
        new Response(JSON.stringify(problem), {
          status: 403,
          headers: { 'content-type': 'application/problem+json' },
        }),
    );
    const client = createCloudClient({ baseUrl: 'http://cloud.test', fetch, credential: 'lk_1' });
    const { data, error, response } = await client.GET('/v1/invitations');
    expect(data).toBeUndefined();
    expect(error?.code).toBe('NOT_ELIGIBLE');
    expect(response.status).toBe(403);
  });

  it('sends no Authorization header without a credential', async () => {
    const { seen, fetch } = recorder();
    await createCloudClient({ baseUrl: 'http://cloud.test', fetch }).GET('/healthz');
    expect(seen[0]!.headers).not.toHaveProperty('authorization');
  });
});
