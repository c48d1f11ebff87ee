import { canAnnul } from '../decide/decide.ts';
import { loungeEventSchema, type LoungeEvent } from './schema.ts';

/** Why a lounge event is refused (SPEC.md 5, `POST /v1/entries`). */
export const EVENT_REFUSAL_CODES = [
  'INVALID_EVENT',
  'WRONG_DEVICE',
  'UNKNOWN_INVITATION',
  'WRONG_LOUNGE',
  'UNKNOWN_GRANT',
] as const;
export type EventRefusalCode = (typeof EVENT_REFUSAL_CODES)[number];

/** A grant the receiver holds, as an annul that names it needs it. */
export interface KnownGrant {
  deviceId: string;
  atMs: number;
  /** The annul that gave it back, if any. */
  annulledBy: string | null;
}

/**
 * What the receiver knows. Lookups answer `undefined` when the receiver cannot tell (an edge
 * knows neither the lounge of every invitation nor every device of its lounge): that check is
 * then left to the receivers that can.
 */
export interface EventContext {
  /** The lounge the events are for: the caller's (HTTP) or the topic's (MQTT). */
  loungeId: string;
  /**
   * Whether `deviceId` may author an event on this channel: the authenticated caller itself
   * (HTTP), an active device of the topic's lounge (MQTT), not the receiving box (peers).
   */
  mayAuthor(deviceId: string): boolean | undefined;
  /** The lounge of an invitation; null when there is no such invitation. */
  invitationLounge(invitationId: string): string | null | undefined;
  /** A grant already held, by eventId; null when none. */
  grant(eventId: string): KnownGrant | null;
  /** Whether this eventId is stored already: a retry, accepted but not applied again. */
  isStored(eventId: string): boolean;
}

export type EventCheck =
  | { verdict: 'accept'; event: LoungeEvent }
  | { verdict: 'duplicate'; event: LoungeEvent }
  | { verdict: 'refuse'; eventId: string | null; code: EventRefusalCode; detail: string };

const refuse = (eventId: string | null, code: EventRefusalCode, detail: string): EventCheck => ({
  verdict: 'refuse',
  eventId,
  code,
  detail,
});

const eventIdOf = (raw: unknown): string | null => {
  const id = (raw as { eventId?: unknown } | null)?.eventId;
  return typeof id === 'string' ? id : null;
};

/**
 * The checks every receiver of a lounge event applies (SPEC.md 5 and 8), in this order:
 * shape (`admit` an integer >= 1, a code-less grant only as a staff override), author, already
 * stored (accepted, not applied again), then a grant's invitation belongs to this lounge and
 * an annul names an unannulled grant of the same device made at most 5 min before it.
 */
export function checkLoungeEvent(raw: unknown, ctx: EventContext): EventCheck {
  const parsed = loungeEventSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.join('.') || 'event';
    return refuse(eventIdOf(raw), 'INVALID_EVENT', `${where}: ${issue?.message ?? 'invalid'}`);
  }
  const event = parsed.data;
  const id = event.eventId;
  if (event.type === 'grant') {
    if (event.reason === 'OVERRIDE' && event.staff === undefined) {
      return refuse(id, 'INVALID_EVENT', 'an override grant names its staff');
    }
    if (event.invitationId === null && event.reason !== 'OVERRIDE') {
      return refuse(id, 'INVALID_EVENT', 'a grant without an invitation is an OVERRIDE');
    }
  }
  if (ctx.mayAuthor(event.deviceId) === false) {
    return refuse(id, 'WRONG_DEVICE', `${event.deviceId} cannot send events here`);
  }
  if (ctx.isStored(id)) return { verdict: 'duplicate', event };
  if (event.type === 'grant' && event.invitationId !== null) {
    const lounge = ctx.invitationLounge(event.invitationId);
    if (lounge === null) {
      return refuse(id, 'UNKNOWN_INVITATION', `no invitation ${event.invitationId}`);
    }
    if (lounge !== undefined && lounge !== ctx.loungeId) {
      return refuse(id, 'WRONG_LOUNGE', `${event.invitationId} is for ${lounge}`);
    }
  }
  if (event.type === 'annul') {
    const grant = ctx.grant(event.annuls);
    const why =
      grant === null
        ? 'no such grant'
        : grant.deviceId !== event.deviceId
          ? 'a grant of another device'
          : grant.annulledBy !== null
            ? `already annulled by ${grant.annulledBy}`
            : !canAnnul(grant.atMs, Date.parse(event.at))
              ? 'not within 5 minutes after the grant'
              : null;
    if (why) return refuse(id, 'UNKNOWN_GRANT', `${event.annuls}: ${why}`);
  }
  return { verdict: 'accept', event };
}

/**
 * Checks a batch in order: an event sees the grants accepted before it in the same batch (a
 * grant and its annul sent together), and a repeated eventId counts as a duplicate.
 */
export function checkLoungeEvents(raws: readonly unknown[], ctx: EventContext): EventCheck[] {
  const grants = new Map<string, KnownGrant>();
  const seen = new Set<string>();
  const annulled = new Map<string, string>();
  const batchCtx: EventContext = {
    ...ctx,
    mayAuthor: (d) => ctx.mayAuthor(d),
    invitationLounge: (i) => ctx.invitationLounge(i),
    isStored: (e) => seen.has(e) || ctx.isStored(e),
    grant: (e) => {
      const g = grants.get(e) ?? ctx.grant(e);
      return g && { ...g, annulledBy: annulled.get(e) ?? g.annulledBy };
    },
  };
  return raws.map((raw) => {
    const check = checkLoungeEvent(raw, batchCtx);
    if (check.verdict !== 'accept') return check;
    const { event } = check;
    seen.add(event.eventId);
    if (event.type === 'grant') {
      grants.set(event.eventId, {
        deviceId: event.deviceId,
        atMs: Date.parse(event.at),
        annulledBy: null,
      });
    } else if (event.type === 'annul') {
      annulled.set(event.annuls, event.eventId);
    }
    return check;
  });
}
