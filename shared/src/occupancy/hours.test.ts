import { describe, expect, it } from 'vitest';
import { closingTimes, isTimeZone, parseHours } from './hours.ts';

// Every instant is written in UTC and every zone named: the machine's own zone plays no part
// (CI runs at TZ=Pacific/Kiritimati).
const utc = (iso: string) => Date.parse(`${iso}Z`);
const at = (iso: string, closes: string, tz: string) => {
  const t = closingTimes(utc(iso), { opens: '05:00', closes }, tz);
  return t && { last: new Date(t.last).toISOString(), next: new Date(t.next).toISOString() };
};

describe('parseHours', () => {
  it('reads HH:MM-HH:MM and nothing else', () => {
    expect(parseHours('05:30-23:00')).toEqual({ opens: '05:30', closes: '23:00' });
    expect(parseHours('18:00-02:00')).toEqual({ opens: '18:00', closes: '02:00' });
    for (const bad of ['5:30-23:00', '05:30-24:00', '05:30', '05:30-23:00-01:00', '']) {
      expect(parseHours(bad), bad).toBeNull();
    }
  });
});

describe('closingTimes', () => {
  it('finds the last and next closing in the lounge zone, not the machine zone', () => {
    // 22:00 in Madrid (summer, UTC+2): the last closing was yesterday at 23:00.
    expect(at('2026-07-01T20:00:00', '23:00', 'Europe/Madrid')).toEqual({
      last: '2026-06-30T21:00:00.000Z',
      next: '2026-07-01T21:00:00.000Z',
    });
    // 00:30 the next local day.
    expect(at('2026-07-01T22:30:00', '23:00', 'Europe/Madrid')?.last).toBe(
      '2026-07-01T21:00:00.000Z',
    );
    // Exactly at closing time: that closing is the last one.
    expect(at('2026-07-01T21:00:00', '23:00', 'Europe/Madrid')?.last).toBe(
      '2026-07-01T21:00:00.000Z',
    );
  });

  it('works far east, far west and on half-hour offsets', () => {
    // Kiritimati is UTC+14: 02:00 local on 2 July is 12:00 UTC on 1 July.
    expect(at('2026-07-01T13:00:00', '02:00', 'Pacific/Kiritimati')?.last).toBe(
      '2026-07-01T12:00:00.000Z',
    );
    // Los Angeles in summer is UTC-7: 23:00 local is 06:00 UTC the next day.
    expect(at('2026-07-02T05:00:00', '23:00', 'America/Los_Angeles')?.last).toBe(
      '2026-07-01T06:00:00.000Z',
    );
    // Kolkata is UTC+5:30.
    expect(at('2026-07-01T18:00:00', '23:00', 'Asia/Kolkata')?.last).toBe(
      '2026-07-01T17:30:00.000Z',
    );
  });

  it('follows daylight saving time', () => {
    // Madrid springs forward on 29 March 2026: 23:00 is 22:00Z the day before, 21:00Z that day.
    expect(at('2026-03-29T21:30:00', '23:00', 'Europe/Madrid')).toEqual({
      last: '2026-03-29T21:00:00.000Z',
      next: '2026-03-30T21:00:00.000Z',
    });
    expect(at('2026-03-29T20:30:00', '23:00', 'Europe/Madrid')?.last).toBe(
      '2026-03-28T22:00:00.000Z',
    );
    // 02:30 does not exist that night: the reset comes an hour of wall time later (03:30 CEST).
    expect(at('2026-03-29T12:00:00', '02:30', 'Europe/Madrid')?.last).toBe(
      '2026-03-29T01:30:00.000Z',
    );
    // 02:30 happens twice on 25 October: the reset is the later one (02:30 CET).
    expect(at('2026-10-25T12:00:00', '02:30', 'Europe/Madrid')?.last).toBe(
      '2026-10-25T01:30:00.000Z',
    );
    // A closing at midnight, southern hemisphere (Sydney leaves DST on 5 April 2026).
    expect(at('2026-04-05T15:00:00', '00:00', 'Australia/Sydney')?.last).toBe(
      '2026-04-05T14:00:00.000Z',
    );
  });

  it('is null without hours: the lounge never resets by itself', () => {
    expect(closingTimes(utc('2026-07-01T20:00:00'), null, 'Europe/Madrid')).toBeNull();
  });

  it('knows the IANA zones', () => {
    expect(isTimeZone('Europe/Madrid')).toBe(true);
    expect(isTimeZone('Mars/Olympus_Mons')).toBe(false);
  });
});
