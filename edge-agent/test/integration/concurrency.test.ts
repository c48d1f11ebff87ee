import { describe, expect } from 'vitest';
import type { TestAgent } from './fixtures.ts';
import { edgeTest } from './edge-test.ts';

// One code read on 100 gates at once: the decision transaction lets exactly one through.
describe('concurrent scans of one code', () => {
  async function burst(edge: TestAgent, token: string) {
    const decisions = await Promise.all(
      Array.from({ length: 100 }, (_, i) => edge.scan(token, `gate${i}`)),
    );
    return {
      grants: decisions.filter((d) => d.decision === 'grant'),
      used: decisions.filter((d) => d.reason === 'ALREADY_USED'),
    };
  }

  edgeTest(
    'grants exactly once for 100 concurrent scans over HTTP',
    async ({ edge, signer, clock }) => {
      const { grants, used } = await burst(edge, await signer.token(clock));
      expect(grants).toHaveLength(1);
      expect(used).toHaveLength(99);
      expect(edge.agent.state.outbox.pendingCount()).toBe(1);
    },
  );

  edgeTest('grants exactly `ent` times for a multi-entry code', async ({ edge, signer, clock }) => {
    const { grants, used } = await burst(edge, await signer.token(clock, { ent: 3 }));
    expect(grants).toHaveLength(3);
    expect(grants.map((g) => g.entriesLeft).sort()).toEqual([0, 1, 2]);
    expect(used).toHaveLength(97);
  });
});
