import { describe, expect, it } from 'vitest';
import { ManualClock } from '../clock.ts';
import { ManualTimers } from './manual-timers.ts';

describe('ManualTimers', () => {
  it('runs due timers in time order, with the clock at each one’s instant', () => {
    const timers = new ManualTimers(new ManualClock(1_000));
    const ran: [string, number][] = [];
    const log = (name: string) => () => ran.push([name, timers.clock.now()]);
    timers.setTimeout(log('late'), 300);
    timers.setTimeout(log('early'), 100);
    timers.setTimeout(log('early-too'), 100);
    timers.advance(299);
    expect(ran).toEqual([
      ['early', 1_100],
      ['early-too', 1_100],
    ]);
    expect(timers.clock.now()).toBe(1_299);
    timers.advance(1);
    expect(ran.at(-1)).toEqual(['late', 1_300]);
    expect(timers.pending()).toBe(0);
  });

  it('runs a timer set by another within the same advance, and not a cleared one', () => {
    const timers = new ManualTimers();
    const ran: string[] = [];
    const cleared = timers.setTimeout(() => ran.push('cleared'), 10);
    timers.setTimeout(() => {
      ran.push('first');
      timers.setTimeout(() => ran.push('chained'), 50);
    }, 20);
    timers.clearTimeout(cleared);
    timers.advance(100);
    expect(ran).toEqual(['first', 'chained']);
  });

  it('reports pending delays and jumps to the next timer', () => {
    const timers = new ManualTimers(new ManualClock(0));
    timers.setTimeout(() => {}, 60_000);
    timers.setTimeout(() => {}, 25);
    expect(timers.delays()).toEqual([25, 60_000]);
    expect(timers.runNext()).toBe(true);
    expect(timers.clock.now()).toBe(25);
    expect(timers.runNext()).toBe(true);
    expect(timers.runNext()).toBe(false);
    expect(timers.clock.now()).toBe(60_000);
  });
});
