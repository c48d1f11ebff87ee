import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Clock } from '@lounge/shared';

/** A signed-in staff member's session; `csrf` goes in every form they post. */
export interface Session {
  id: string;
  staff: string;
  csrf: string;
  expiresAt: number;
}

export interface SessionOptions {
  clock: Clock;
  random?: (bytes: number) => Buffer;
  /** How long a session lasts; default 12 hours (the issue: a long desk shift). */
  ttlMs?: number;
  /** Sessions kept at most; the oldest goes first. */
  max?: number;
}

/** 12 hours. */
export const SESSION_TTL_MS = 12 * 3_600_000;

/**
 * Console sessions, in memory: an opaque random id in an HttpOnly cookie maps to the staff
 * member and a per-session CSRF token. An agent restart signs everyone out, which is what a
 * box that was just restarted should do anyway.
 */
export class SessionStore {
  private readonly sessions = new Map<string, Session>();
  private readonly random: (bytes: number) => Buffer;
  private readonly ttlMs: number;
  private readonly max: number;

  constructor(private readonly opts: SessionOptions) {
    this.random = opts.random ?? randomBytes;
    this.ttlMs = opts.ttlMs ?? SESSION_TTL_MS;
    this.max = opts.max ?? 200;
  }

  create(staff: string): Session {
    const session: Session = {
      id: this.random(32).toString('base64url'),
      staff,
      csrf: this.random(32).toString('base64url'),
      expiresAt: this.opts.clock.now() + this.ttlMs,
    };
    this.sessions.set(session.id, session);
    if (this.sessions.size > this.max) this.sessions.delete(this.sessions.keys().next().value!);
    return session;
  }

  /** The live session with this id; an expired one is forgotten. */
  get(id: string | undefined): Session | undefined {
    if (!id) return undefined;
    const s = this.sessions.get(id);
    if (s && this.opts.clock.now() >= s.expiresAt) {
      this.sessions.delete(id);
      return undefined;
    }
    return s;
  }

  destroy(id: string | undefined): void {
    if (id) this.sessions.delete(id);
  }

  /** Ends every session of a staff member (removed from the box, for instance). */
  destroyStaff(staff: string): void {
    for (const [id, s] of this.sessions) if (s.staff === staff) this.sessions.delete(id);
  }
}

/** Constant-time check of a posted CSRF token against the session's. */
export function csrfMatches(session: Session, token: string | undefined): boolean {
  if (!token) return false;
  const a = Buffer.from(session.csrf);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}
