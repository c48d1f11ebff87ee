import { describe, it } from 'vitest';
import { twoBoxesShareOccupancy } from './occupancy-scenario.ts';
import { startAedes } from './sync-harness.ts';

describe('occupancy across the boxes of a lounge (embedded broker)', () => {
  it('grants on one box and exits on the other give one inside count on both', async () => {
    const broker = await startAedes();
    try {
      await twoBoxesShareOccupancy(broker.url);
    } finally {
      await broker.close();
    }
  });
});
