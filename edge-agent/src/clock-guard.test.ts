import { ManualClock } from '@lounge/shared';
import { describe, expect, it } from 'vitest';
import { ClockGuard } from './clock-guard.ts';
import { openEdgeState } from './state/index.ts';

describe('ClockGuard', () => {
  const setup = () => {
    const state = openEdgeState({ file: ':memory:' });
    const clock = new ManualClock();
    return { clock, guard: new ClockGuard(state.trustedTime, clock, 120) };
  };

  it('is not suspect before any trusted time, nor within the skew', () => {
    const { clock, guard } = setup();
    expect(guard.status()).toEqual({ suspect: false, skewSeconds: 0 });
    guard.observeCloudDate(clock.now() - 100_000);
    expect(guard.status()).toEqual({ suspect: false, skewSeconds: 100 });
  });

  it('is suspect when the cloud disagrees by more than the skew', () => {
    const { clock, guard } = setup();
    guard.observeCloudDate(clock.now() - 121_000);
    expect(guard.status()).toMatchObject({ suspect: true, skewSeconds: 121 });
    expect(guard.status().reason).toMatch(/121s ahead of the cloud/);
  });

  it('is suspect when the clock falls behind a trusted time, and never lowers it', () => {
    const { clock, guard } = setup();
    guard.observeTrustedTime(clock.now() + 600_000, 'mqtt');
    guard.observeTrustedTime(clock.now() - 600_000, 'mqtt');
    expect(guard.status()).toMatchObject({ suspect: true, skewSeconds: -600 });
    clock.advance(600_000);
    expect(guard.status().suspect).toBe(false);
  });
});
