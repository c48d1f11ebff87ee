import type { Flight, Member } from './ports.ts';

/**
 * The deterministic airline of `INTEGRATIONS=stub` and of the HTTP stand-ins used in tests,
 * documented in docs/integrations.md. Pure: the current time comes in as an argument.
 */

/** A customer id the stub treats as "loyalty is down" (503 from the stand-in). */
export const UNAVAILABLE_CUSTOMER = 'UNAVAILABLE';
/** A flight number the stub treats as "enrichment is down". */
export const UNAVAILABLE_FLIGHT = 'IB9998';
/** A flight number that never exists. */
export const MISSING_FLIGHT = 'IB9999';

const SPECIAL_MEMBERS: Record<string, Omit<Member, 'customerId'>> = {
  IB0002: { tier: 'Gold', status: 'active', loungeAccess: true, guestAllowance: 1 },
  IB0003: { tier: 'Silver', status: 'active', loungeAccess: true, guestAllowance: 0 },
  IB0004: { tier: 'Gold', status: 'suspended', loungeAccess: true, guestAllowance: 1 },
  IB0005: { tier: 'Classic', status: 'active', loungeAccess: false, guestAllowance: 0 },
};

/** `IB` + 4 to 10 digits is a member: Platinum with 2 guests unless listed above; else null. */
export function stubMember(customerId: string): Member | null {
  if (!/^IB\d{4,10}$/.test(customerId)) return null;
  const special = SPECIAL_MEMBERS[customerId];
  return {
    customerId,
    ...(special ?? { tier: 'Platinum', status: 'active', loungeAccess: true, guestAllowance: 2 }),
  };
}

const HOUR = 3_600_000;

/**
 * `IB` + 1 to 4 digits on any valid date. `IB3000`–`IB3999` leave from BCN terminal 1, the
 * rest from MAD terminal 4S; `IB9999` does not exist. A flight dated today (UTC, by `nowMs`)
 * departs 3 h after the start of the current hour, so a token issued now is valid now; other
 * dates depart at 12:00 UTC plus (number mod 6) hours.
 */
export function stubFlight(number: string, date: string, nowMs: number): Flight | null {
  const match = /^IB(\d{1,4})$/.exec(number);
  if (!match || number === MISSING_FLIGHT || !isDate(date)) return null;
  const n = Number(match[1]);
  const today = new Date(nowMs).toISOString().slice(0, 10);
  const departure =
    date === today
      ? Math.floor(nowMs / HOUR) * HOUR + 3 * HOUR
      : Date.parse(`${date}T12:00:00Z`) + (n % 6) * HOUR;
  const bcn = match[1]!.length === 4 && match[1]!.startsWith('3');
  return {
    number,
    date,
    departureTime: new Date(departure).toISOString(),
    origin: bcn ? 'BCN' : 'MAD',
    terminal: bcn ? '1' : '4S',
  };
}

function isDate(text: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return false;
  const ms = Date.parse(`${text}T00:00:00Z`);
  return !Number.isNaN(ms) && new Date(ms).toISOString().startsWith(text);
}
