import { describe, expect, it } from 'vitest';
import { watchParent } from './parent-watch.ts';

/** A hand-driven interval: `tick()` runs the watcher's callback once. */
function fakeEvery() {
  let fn: (() => void) | undefined;
  let cancelled = false;
  return {
    every: (tick: () => void) => {
      fn = tick;
      return () => void (cancelled = true);
    },
    tick: () => fn?.(),
    cancelled: () => cancelled,
  };
}

describe('watchParent', () => {
  it('calls onGone once when the parent pid changes (re-parented to a reaper), then stops', () => {
    let ppid = 4242;
    let gone = 0;
    const timer = fakeEvery();
    watchParent({ ppid: () => ppid, onGone: () => gone++, every: timer.every });
    timer.tick();
    expect(gone).toBe(0);
    ppid = 1;
    timer.tick();
    timer.tick();
    expect(gone).toBe(1);
    expect(timer.cancelled()).toBe(true);
  });

  it('does nothing once stopped', () => {
    let ppid = 10;
    let gone = 0;
    const timer = fakeEvery();
    const stop = watchParent({ ppid: () => ppid, onGone: () => gone++, every: timer.every });
    stop();
    ppid = 1;
    timer.tick();
    expect(gone).toBe(0);
    expect(timer.cancelled()).toBe(true);
  });
});
