import { DENY_REASONS } from '@lounge/shared';
import fc from 'fast-check';
import { describe, expect } from 'vitest';
import { edgeTest } from './edge-test.ts';

// Random bodies at the real local API over HTTP: every answer is a decision or a problem, the
// process keeps serving, and nothing random is ever granted.
const reasons: readonly string[] = DENY_REASONS;

describe('POST /v1/scan under fuzzing', () => {
  async function expectDecisionOrProblem(res: Response): Promise<void> {
    const text = await res.text();
    if (res.status === 200) {
      const body = JSON.parse(text) as { decision: string; reason: string };
      expect(body.decision).toBe('deny');
      expect(reasons).toContain(body.reason);
    } else {
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
      expect(JSON.parse(text)).toMatchObject({ status: res.status });
    }
  }

  const body = fc.oneof(
    fc.string({ maxLength: 400 }),
    fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v) ?? 'null'),
    fc
      .record(
        { code: fc.oneof(fc.string({ maxLength: 500 }), fc.jsonValue()), gate: fc.jsonValue() },
        { requiredKeys: [] },
      )
      .map((v) => JSON.stringify(v)),
  );

  edgeTest('random bodies get a deny decision or a problem+json, never a 5xx', async ({ edge }) => {
    await fc.assert(
      fc.asyncProperty(body, async (raw) => {
        await expectDecisionOrProblem(await edge.call('POST', '/v1/scan', raw));
      }),
      { numRuns: 400 },
    );
  });

  edgeTest('random codes in a valid body are denied with a known reason', async ({ edge }) => {
    await fc.assert(
      fc.asyncProperty(fc.string({ minLength: 1, maxLength: 600 }), async (code) => {
        await expectDecisionOrProblem(await edge.call('POST', '/v1/scan', { code }));
      }),
      { numRuns: 400 },
    );
  });

  edgeTest(
    'still serves afterwards: health is up and a genuine token is granted',
    async ({ edge, signer, clock }) => {
      expect((await edge.call('GET', '/healthz', undefined, null)).status).toBe(200);
      const granted = await edge.scan(await signer.token(clock));
      expect(granted).toMatchObject({ decision: 'grant', reason: 'OK' });
    },
  );
});
