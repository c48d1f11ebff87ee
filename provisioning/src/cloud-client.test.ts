import { ManualClock } from '@lounge/shared';
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
