import type { AccessLogRecord } from '@lounge/shared';
import { describe, expect, it } from 'vitest';
import { IbdpClient } from './ibdp-client.ts';

const record = { eventId: 'evt_1' } as AccessLogRecord;

/** A fetch that records the URLs it is asked for and answers `status`. */
function recordingFetch(status: number, body = '') {
  const urls: string[] = [];
  const fetch = async (url: string): Promise<Response> => {
    urls.push(url);
    return new Response(body, { status });
  };
  return { urls, fetch };
}

describe('IbdpClient', () => {
  it("posts under the configured base's path (SPEC.md 8: a gateway prefix)", async () => {
    for (const base of [
      'https://gw.example.com/ibdp',
      'https://gw.example.com/ibdp/',
      'http://127.0.0.1:18080/stub/ibdp',
    ]) {
      const { urls, fetch } = recordingFetch(202);
      const client = new IbdpClient({ url: base, token: 't', fetch, now: () => 0 });
      expect(await client.send('b1', [record])).toEqual({ kind: 'stored', status: 202 });
      expect(urls).toEqual([`${base.replace(/\/$/, '')}/v1/ingest/access-logs`]);
    }
  });

  it('keeps a gateway key in the query string', async () => {
    const { urls, fetch } = recordingFetch(409);
    const client = new IbdpClient({
      url: 'https://gw.example.com/ibdp?key=k1',
      token: 't',
      fetch,
      now: () => 0,
    });
    expect(await client.send('b1', [record])).toEqual({ kind: 'stored', status: 409 });
    expect(urls).toEqual(['https://gw.example.com/ibdp/v1/ingest/access-logs?key=k1']);
  });

  it('reports a refusal with its status and the start of the body', async () => {
    const { fetch } = recordingFetch(404, 'no route POST /v1/ingest/access-logs');
    const client = new IbdpClient({
      url: 'https://gw.example.com/ibdp',
      token: 't',
      fetch,
      now: () => 0,
    });
    expect(await client.send('b1', [record])).toEqual({
      kind: 'failed',
      status: 404,
      error: 'IBDP answered 404: no route POST /v1/ingest/access-logs',
    });
  });
});
