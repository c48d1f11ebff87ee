/** Crockford base32, as ULID uses (https://github.com/ulid/spec). */
const ENCODING = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

export type RandomBytes = (length: number) => Uint8Array;

const defaultRandom: RandomBytes = (length) =>
  globalThis.crypto.getRandomValues(new Uint8Array(length));

/** A 26-character ULID: 48-bit millisecond time, then 80 random bits. Sortable by time. */
export function ulid(nowMs: number = Date.now(), random: RandomBytes = defaultRandom): string {
  if (!Number.isInteger(nowMs) || nowMs < 0 || nowMs > 2 ** 48 - 1) {
    throw new RangeError(`ulid: time out of range: ${nowMs}`);
  }
  let time = '';
  let t = nowMs;
  for (let i = 0; i < 10; i++) {
    time = ENCODING[t % 32]! + time;
    t = Math.floor(t / 32);
  }
  // 80 random bits as 16 base32 characters: take 5 bits from each of 16 random bytes.
  const bytes = random(16);
  let rand = '';
  for (let i = 0; i < 16; i++) rand += ENCODING[bytes[i]! & 31]!;
  return time + rand;
}

const ULID_RE = /^[0-7][0-9A-HJKMNP-TV-Z]{25}$/;

export const INVITATION_ID_RE = /^inv_[0-7][0-9A-HJKMNP-TV-Z]{25}$/;
export const DEVICE_ID_RE = /^dev_[0-7][0-9A-HJKMNP-TV-Z]{25}$/;
export const EVENT_ID_RE = /^evt_[0-7][0-9A-HJKMNP-TV-Z]{25}$/;

export function isUlid(value: string): boolean {
  return ULID_RE.test(value);
}

/** `inv_` + ULID: an invitation id and the token `jti`. */
export const newInvitationId = (nowMs?: number, random?: RandomBytes): string =>
  'inv_' + ulid(nowMs, random);

/** `dev_` + ULID: an edge device id (also its MQTT username and client id). */
export const newDeviceId = (nowMs?: number, random?: RandomBytes): string =>
  'dev_' + ulid(nowMs, random);

/** `evt_` + ULID: a decision, entry or outbox event id. */
export const newEventId = (nowMs?: number, random?: RandomBytes): string =>
  'evt_' + ulid(nowMs, random);
