import { ProblemError } from '@lounge/shared';
import { describe, expect, it } from 'vitest';
import { validityWindow } from './validity-window.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const settings = {
  validityBeforeMs: 4 * HOUR,
  validityAfterMs: HOUR / 2,
  invitationMaxAheadMs: 30 * DAY,
};
// Any instant will do: the rules only compare distances from it.
const DEPARTURE = 1_800_000_000_000;

const codeOf = (nowMs: number): string => {
  try {
    validityWindow('IB0612', DEPARTURE, nowMs, settings);
    return 'OK';
  } catch (err) {
    return err instanceof ProblemError ? err.code : String(err);
  }
};

describe('validityWindow', () => {
  it('spans VALIDITY_BEFORE/AFTER_DEPARTURE around the departure, in seconds', () => {
    expect(validityWindow('IB0612', DEPARTURE, DEPARTURE - DAY, settings)).toEqual({
      nbf: (DEPARTURE - 4 * HOUR) / 1000,
      exp: (DEPARTURE + HOUR / 2) / 1000,
    });
  });

  it('is FLIGHT_DEPARTED from the end of the window on', () => {
    expect(codeOf(DEPARTURE)).toBe('OK');
    expect(codeOf(DEPARTURE + HOUR / 2 - 1)).toBe('OK');
    expect(codeOf(DEPARTURE + HOUR / 2)).toBe('FLIGHT_DEPARTED');
    expect(codeOf(DEPARTURE + 10 * DAY)).toBe('FLIGHT_DEPARTED');
  });

  it('is FLIGHT_TOO_FAR_AHEAD beyond INVITATION_MAX_AHEAD, naming the limit', () => {
    expect(codeOf(DEPARTURE - 30 * DAY)).toBe('OK');
    expect(codeOf(DEPARTURE - 30 * DAY - 1)).toBe('FLIGHT_TOO_FAR_AHEAD');
    expect(() => validityWindow('IB0612', DEPARTURE, 0, settings)).toThrow(/more than 30d/);
  });
});
