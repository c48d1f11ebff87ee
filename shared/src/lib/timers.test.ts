import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ManualTimers } from './manual-timers.ts';
import { backgroundTimers, every, systemTimers } from './timers.ts';

describe('every', () => {
  it('ticks every interval until cancelled, also after a tick that throws', () => {
    const timers = new ManualTimers();
    let ticks = 0;
    const stop = every(
      timers,
      () => {
        ticks++;
        if (ticks === 1) throw new Error('tick failed');
      },
      100,
    );
    expect(() => timers.advance(100)).toThrow('tick failed');
    timers.advance(250);
    expect(ticks).toBe(3);
    stop();
    timers.advance(1_000);
    expect(ticks).toBe(3);
    expect(timers.pending()).toBe(0);
  });

  it('a tick may cancel its own interval', () => {
    const timers = new ManualTimers();
    let ticks = 0;
    const stop = every(timers, () => ++ticks === 2 && stop(), 10);
    timers.advance(100);
    expect(ticks).toBe(2);
    expect(timers.pending()).toBe(0);
  });
});

describe('node timers', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('wrap the global timers; the background ones are unref’d', () => {
    let ran = 0;
    const kept = systemTimers.setTimeout(() => ran++, 10) as NodeJS.Timeout;
    const background = backgroundTimers.setTimeout(() => ran++, -5) as NodeJS.Timeout;
    expect(kept.hasRef()).toBe(true);
    expect(background.hasRef()).toBe(false);
    vi.advanceTimersByTime(10);
    expect(ran).toBe(2);
    const cleared = systemTimers.setTimeout(() => ran++, 10);
    systemTimers.clearTimeout(cleared);
    vi.advanceTimersByTime(10);
    expect(ran).toBe(2);
  });
});
