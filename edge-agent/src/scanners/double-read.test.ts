import { ManualClock } from '@lounge/shared';
import { describe, expect, it } from 'vitest';
import { DOUBLE_READ_WINDOW_MS, DoubleReadFilter } from './double-read.ts';

describe('DoubleReadFilter (SPEC.md 8)', () => {
  it('drops the same code from the same scanner within 1.5 s of its previous read', () => {
    const clock = new ManualClock();
    const f = new DoubleReadFilter({ clock });
    expect(f.accept('gate1', 'CODE')).toBe(true);
    clock.advance(DOUBLE_READ_WINDOW_MS);
    expect(f.accept('gate1', 'CODE')).toBe(false);
    clock.advance(DOUBLE_READ_WINDOW_MS + 1);
    expect(f.accept('gate1', 'CODE')).toBe(true);
  });

  it('slides the window while the code keeps coming', () => {
    const clock = new ManualClock();
    const f = new DoubleReadFilter({ clock });
    expect(f.accept('gate1', 'CODE')).toBe(true);
    // A code left on the reader: a read every second for a minute, never decided again.
    for (let i = 0; i < 60; i++) {
      clock.advance(1000);
      expect(f.accept('gate1', 'CODE')).toBe(false);
    }
    clock.advance(1501);
    expect(f.accept('gate1', 'CODE')).toBe(true);
  });

  it('keeps scanners and codes apart; text is trimmed, bytes compared exactly', () => {
    const clock = new ManualClock();
    const f = new DoubleReadFilter({ clock });
    expect(f.accept('gate1', 'CODE')).toBe(true);
    expect(f.accept('gate2', 'CODE')).toBe(true);
    expect(f.accept('gate1', 'OTHER')).toBe(true);
    expect(f.accept('gate1', ' CODE\r\n')).toBe(false);
    const bytes = new Uint8Array([0x41, 0xff, 0x42]);
    expect(f.accept('gate1', bytes)).toBe(true);
    expect(f.accept('gate1', new Uint8Array([0x41, 0xff, 0x42]))).toBe(false);
    expect(f.accept('gate1', new Uint8Array([0x41, 0xfe, 0x42]))).toBe(true);
  });

  it('drops one read when the clock steps back, then measures from the new time', () => {
    const clock = new ManualClock();
    const f = new DoubleReadFilter({ clock });
    expect(f.accept('gate1', 'CODE')).toBe(true);
    clock.advance(-60_000);
    expect(f.accept('gate1', 'CODE')).toBe(false);
    clock.advance(DOUBLE_READ_WINDOW_MS + 1);
    expect(f.accept('gate1', 'CODE')).toBe(true);
  });

  it('forgets codes once their window has passed, and never holds more than maxEntries', () => {
    const clock = new ManualClock();
    const f = new DoubleReadFilter({ clock, maxEntries: 100 });
    for (let i = 0; i < 1000; i++) f.accept('gate1', `CODE${i}`);
    expect(f.size).toBeLessThanOrEqual(100);
    clock.advance(DOUBLE_READ_WINDOW_MS + 1);
    f.accept('gate1', 'NEW');
    expect(f.size).toBe(1);
  });
});
