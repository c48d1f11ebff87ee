import { ManualClock } from '@lounge/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  makeSigner,
  startAgent,
  startFakeCloud,
  tempDir,
  type Signer,
  type TestAgent,
} from './fixtures.ts';

// One code read on 100 gates at once: the decision transaction lets exactly one through.
describe('concurrent scans of one code', () => {
  const clock = new ManualClock();
  const tmp = tempDir();
  let signer: Signer;
  let cloud: Awaited<ReturnType<typeof startFakeCloud>>;
  let edge: TestAgent;

  beforeAll(async () => {
    signer = await makeSigner();
    cloud = await startFakeCloud([signer.publicJwk], clock);
    edge = await startAgent(tmp.dir, cloud.url, { clock });
  });
  afterAll(async () => {
    await edge.stop();
    await cloud.close();
    tmp.cleanup();
  });

  async function burst(token: string) {
    const decisions = await Promise.all(
      Array.from({ length: 100 }, (_, i) => edge.scan(token, `gate${i}`)),
    );
    return {
      grants: decisions.filter((d) => d.decision === 'grant'),
      used: decisions.filter((d) => d.reason === 'ALREADY_USED'),
    };
  }

  it('grants exactly once for 100 concurrent scans over HTTP', async () => {
    const { grants, used } = await burst(await signer.token(clock));
    expect(grants).toHaveLength(1);
    expect(used).toHaveLength(99);
    expect(edge.agent.state.outbox.pendingCount()).toBe(1);
  });

  it('grants exactly `ent` times for a multi-entry code', async () => {
    const { grants, used } = await burst(await signer.token(clock, { ent: 3 }));
    expect(grants).toHaveLength(3);
    expect(grants.map((g) => g.entriesLeft).sort()).toEqual([0, 1, 2]);
    expect(used).toHaveLength(97);
  });
});
