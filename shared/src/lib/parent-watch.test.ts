import { describe, expect, it } from 'vitest';
import { ManualTimers } from './manual-timers.ts';
import { watchParent } from './parent-watch.ts';

describe('watchParent', () => {
  it('calls onGone once when the parent pid changes (re-parented to a reaper), then stops', () => {
    let ppid = 4242;
    let gone = 0;
    const timers = new ManualTimers();
    watchParent({ ppid: () => ppid, onGone: () => gone++, timers, intervalMs: 500 });
    timers.advance(500);
    expect(gone).toBe(0);
    ppid = 1;
    timers.advance(500);
    expect(gone).toBe(1);
    expect(timers.pending()).toBe(0);
  });

  it('does nothing once stopped', () => {
    let ppid = 10;
    let gone = 0;
    const timers = new ManualTimers();
    const stop = watchParent({ ppid: () => ppid, onGone: () => gone++, timers });
    stop();
    ppid = 1;
    timers.advance(10_000);
    expect(gone).toBe(0);
    expect(timers.pending()).toBe(0);
  });
});
