import pino from 'pino';
import { describe, expect } from 'vitest';
import type { TestAgent } from './fixtures.ts';
import { edgeTest } from './edge-test.ts';

/** How many scanner tests the agent has taken on (from its log). */
let testsTaken = 0;
edgeTest.override(
  'setup',
  { scope: 'file' },
  {
    scanners: ['gate1', 'gate2'],
    webhook: true,
    deps: {
      log: pino(
        { level: 'info' },
        {
          write: (line: string) => {
            if (line.includes('"scanner test: taking')) testsTaken++;
          },
        },
      ),
    },
  },
);

// SPEC.md 8, `POST /v1/scanners/:id/test`: the next read of that scanner is decided as a dry
// run and answered there; nothing is consumed, logged or sent (what `test-scan` relies on).
describe('POST /v1/scanners/:id/test', () => {
  /** Starts a test and waits until the agent holds it; `answer` is its response. */
  const armed = async (edge: TestAgent, id: string, body: unknown = {}) => {
    const before = testsTaken;
    const answer = edge.call('POST', `/v1/scanners/${id}/test`, body);
    await expect.poll(() => testsTaken).toBe(before + 1);
    return { answer };
  };

  edgeTest(
    'answers the next read of that scanner as a dry run and consumes nothing',
    async ({ edge, signer, clock, webhook, read, rowsOf }) => {
      const code = await signer.token(clock, { gst: 1 });
      const { answer } = await armed(edge, 'gate1', { timeoutMs: 10_000 });
      read('gate1', `${code}\r\n`);
      const res = await answer;
      expect(res.status).toBe(200);
      const body = (await res.json()) as { code: string; decision: Record<string, unknown> };
      expect(body.code).toBe(code);
      expect(body.decision).toMatchObject({
        decision: 'grant',
        reason: 'OK',
        admit: 2,
        entriesLeft: 0,
        dryRun: true,
        gate: 'gate1',
      });
      // Nothing consumed, logged or sent.
      await new Promise((r) => setTimeout(r, 50));
      expect(rowsOf(code)).toEqual([]);
      expect(webhook.received).toEqual([]);
      expect(edge.agent.state.outbox.pendingCount()).toBe(0);

      // The test took one read only: the guest's real scan, later, is decided and consumes.
      clock.advance(2_000);
      read('gate1', code);
      await expect.poll(() => rowsOf(code).length).toBe(1);
      expect(rowsOf(code)[0]).toMatchObject({ decision: 'grant', admit: 2 });
    },
  );

  edgeTest(
    'leaves other scanners alone and answers 408 when nothing was read',
    async ({ edge, signer, clock, read, rowsOf }) => {
      const code = await signer.token(clock);
      const { answer } = await armed(edge, 'gate1', { timeoutMs: 300 });
      read('gate2', code);
      const res = await answer;
      expect(res.status).toBe(408);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
      expect(await res.json()).toMatchObject({ code: 'NO_SCAN', status: 408 });
      await expect.poll(() => rowsOf(code).length).toBe(1);
    },
  );

  edgeTest(
    'refuses an unknown scanner, a bad body and a second test on the same scanner',
    async ({ edge, clock, read }) => {
      expect((await edge.call('POST', '/v1/scanners/nope/test', {})).status).toBe(404);
      const bad = await edge.call('POST', '/v1/scanners/gate1/test', { timeoutMs: 'soon' });
      expect(bad.status).toBe(400);
      expect(await bad.json()).toMatchObject({ code: 'INVALID_REQUEST' });
      const { answer: first } = await armed(edge, 'gate2', { timeoutMs: 5_000 });
      const second = await edge.call('POST', '/v1/scanners/gate2/test', '');
      expect(second.status).toBe(409);
      expect(await second.json()).toMatchObject({ code: 'SCANNER_TEST_BUSY' });
      clock.advance(2_000);
      read('gate2', 'not-a-token');
      const done = (await (await first).json()) as { decision: { reason: string } };
      expect(done.decision.reason).toBe('MALFORMED');
      expect((await edge.call('POST', '/v1/scanners/gate1/test', {}, 'wrong-token')).status).toBe(
        401,
      );
    },
  );
});
