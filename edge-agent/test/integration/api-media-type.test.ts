import { request } from 'node:http';
import { describe, expect } from 'vitest';
import { API_TOKEN } from './fixtures.ts';
import { edgeTest } from './edge-test.ts';

/** A raw HTTP POST: exactly the headers given, nothing added (fetch would add a type). */
function post(url: string, body: string, headers: Record<string, string>) {
  return new Promise<{ status: number; json: Record<string, unknown> }>((resolve, reject) => {
    const req = request(
      url,
      { method: 'POST', headers: { ...headers, 'content-length': Buffer.byteLength(body) } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            json: JSON.parse(text) as Record<string, unknown>,
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

// The cloud refuses a body that is not application/json (415); the edge's local API must not:
// AENA turnstiles post JSON without a Content-Type, or with text/plain (SPEC.md 5 and 8).
describe('local API media type', () => {
  edgeTest(
    'decides a scan posted without a Content-Type, or as text/plain',
    async ({ edge, signer, clock }) => {
      const auth = { authorization: `Bearer ${API_TOKEN}` };
      for (const headers of [auth, { ...auth, 'content-type': 'text/plain' }]) {
        const code = await signer.token(clock);
        const res = await post(
          `${edge.url}/v1/scan`,
          JSON.stringify({ code, gate: 't1' }),
          headers,
        );
        expect({ status: res.status, decision: res.json.decision }).toEqual({
          status: 200,
          decision: 'grant',
        });
      }
      const verify = await post(`${edge.url}/v1/verify`, JSON.stringify({ code: 'x' }), auth);
      expect(verify).toMatchObject({
        status: 200,
        json: { decision: 'deny', reason: 'MALFORMED' },
      });
    },
  );
});
