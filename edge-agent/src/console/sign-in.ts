import type { PinLockout } from './lockout.ts';
import { normaliseStaffName, PIN_RE, verifyNobody, verifyPin } from './pin-hash.ts';

/** The outcome of a sign-in: the staff member, or why not (a lock names its end). */
export type SignInResult =
  | { ok: true; staff: string }
  | { ok: false; reason: 'wrong' }
  | { ok: false; reason: 'locked'; until: number };

/** Where staff PIN hashes live (the box's SQLite `staff` table). */
export interface StaffDirectory {
  find(name: string): { pinHash: string } | undefined;
}

/**
 * Signs a staff member in by name and PIN (SPEC.md 8): a locked name is refused before any
 * PIN check; a wrong PIN, an unknown name or a malformed PIN all count towards the lock and
 * all take one scrypt check, so the answer tells nothing about which names exist.
 */
export async function signIn(
  directory: StaffDirectory,
  lockout: PinLockout,
  rawName: string,
  pin: string,
): Promise<SignInResult> {
  const name = normaliseStaffName(rawName);
  return lockout.exclusive(name, () => check(directory, lockout, name, pin));
}

async function check(
  directory: StaffDirectory,
  lockout: PinLockout,
  name: string,
  pin: string,
): Promise<SignInResult> {
  const locked = lockout.lockedUntil(name);
  if (locked !== null) return { ok: false, reason: 'locked', until: locked };
  const member = name ? directory.find(name) : undefined;
  const good =
    member && PIN_RE.test(pin) ? await verifyPin(pin, member.pinHash) : await verifyNobody(pin);
  if (good) {
    lockout.succeed(name);
    return { ok: true, staff: name };
  }
  const until = lockout.fail(name);
  return until === null ? { ok: false, reason: 'wrong' } : { ok: false, reason: 'locked', until };
}
