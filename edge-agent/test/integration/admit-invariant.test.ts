import { describe, expect } from 'vitest';
import { edgeTest } from './edge-test.ts';

// SPEC.md 8, over HTTP against a running agent: however the reads of one code arrive (many
// gates at once, turnstile retries), the grants admit at most ent × (1+gst) people.
describe('no code admits more people than it allows (local API)', () => {
  edgeTest(
    '200 concurrent scans across 10 gates of a code with ent 1, gst 2 admit exactly 3',
    async ({ edge, signer, clock }) => {
      const code = await signer.token(clock, { ent: 1, gst: 2 });
      // 140 plain reads, and 20 turnstile reads each sent 3 times with its scanId (retries).
      const bodies = Array.from({ length: 200 }, (_, i) =>
        i < 140
          ? { code, gate: `G${i % 10}` }
          : { code, gate: `G${i % 10}`, scanId: `turn:${i % 20}` },
      );
      const answers = await Promise.all(
        bodies.map(async (body) => {
          const res = await edge.call('POST', '/v1/scan', body);
          expect(res.status).toBe(200);
          return { body, d: (await res.json()) as Record<string, unknown> };
        }),
      );
      const grants = new Map<string, number>();
      for (const { d } of answers) {
        if (d.decision === 'grant') grants.set(String(d.eventId), Number(d.admit));
        else expect(d).toMatchObject({ reason: 'ALREADY_USED', admit: 0 });
      }
      const admitted = [...grants.values()].reduce((a, b) => a + b, 0);
      expect(admitted).toBe(3);
      expect(grants.size).toBe(1);
      expect(edge.agent.state.outbox.pendingCount()).toBe(1);
    },
  );
});
