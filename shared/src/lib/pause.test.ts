import { describe, expect, it } from 'vitest';
import { ManualTimers } from './manual-timers.ts';
import { Pause } from './pause.ts';

/** Whether `p` has settled once pending callbacks have run. */
async function settled(p: Promise<unknown>): Promise<boolean> {
  let done = false;
  void p.then(() => (done = true));
  await new Promise((r) => setImmediate(r));
  return done;
}

describe('Pause', () => {
  it('ends after its time', async () => {
    const timers = new ManualTimers();
    const pause = new Pause(timers);
    const waiting = pause.wait(1_000);
    timers.advance(999);
    expect(await settled(waiting)).toBe(false);
    timers.advance(1);
    expect(await settled(waiting)).toBe(true);
  });

  it('ends early on wake, and remembers a wake that came while nobody waited', async () => {
    const timers = new ManualTimers();
    const pause = new Pause(timers);
    const waiting = pause.wait(60_000);
    pause.wake();
    expect(await settled(waiting)).toBe(true);
    expect(timers.pending()).toBe(0);
    pause.wake();
    expect(await settled(pause.wait(60_000))).toBe(true);
    expect(await settled(pause.wait(60_000))).toBe(false);
  });

  it('after cancel, every wait ends at once', async () => {
    const timers = new ManualTimers();
    const pause = new Pause(timers);
    const waiting = pause.wait(60_000);
    pause.cancel();
    expect(await settled(waiting)).toBe(true);
    expect(await settled(pause.wait(60_000))).toBe(true);
    expect(timers.pending()).toBe(0);
  });
});
