import {
  admitByHandOutcome,
  loungeEventSchema,
  newEventId,
  ProblemError,
  type Clock,
  type Decision,
  type LoungeEvent,
  type Occupancy,
} from '@lounge/shared';
import type { AccessLogEntry, EdgeState } from '../state/index.ts';
import type { LoungeOccupancy } from './lounge-occupancy.ts';

/** What the desk actions and passages write with. */
export interface DeskDeps {
  state: EdgeState;
  clock: Clock;
  deviceId: string;
  loungeId: string;
  occupancy: LoungeOccupancy;
  isOffline: () => boolean;
  newEventId?: (nowMs: number) => string;
}

/** `POST /v1/passages` and the console's exit count. */
export interface ExitInput {
  count: number;
  gate: string;
  /** The turnstile's id for the passage: the same one within 5 min counts once. */
  passageId?: string;
}

/** The answer to an exit or an adjust: the count after it. */
export interface OccupancyChange extends Occupancy {
  eventId: string;
  /** True when the passageId was already counted: nothing was recorded. */
  duplicate?: true;
}

/** Staff admit a party without a code (SPEC.md 8, override b). */
export interface HandAdmission {
  staff: string;
  /** Why (required): kept in the access log beside the record. */
  reason: string;
  partySize: number;
  gate?: string;
}

/** Staff correct the inside count (an `adjust` lounge event). */
export interface Adjustment {
  staff: string;
  delta: number;
  reason?: string;
  gate?: string;
}

/** How long a passageId is remembered (SPEC.md 8). */
export const PASSAGE_ID_TTL_MS = 5 * 60_000;

/** The gate staff actions are recorded at when none is named. */
export const DESK_GATE = 'desk';

const NO_CODE = '0'.repeat(64);

type Record = Omit<AccessLogEntry, 'deviceId' | 'loungeId' | 'offline' | 'codeSha256'>;

/**
 * One staff or turnstile action in one transaction: the lounge event (counted into occupancy
 * and queued for the lounge topic) and its access-log record with the inside count after it.
 */
function write(d: DeskDeps, now: number, event: LoungeEvent, people: number, record: Record) {
  const { state } = d;
  // The event must be one every box accepts (SPEC.md 8): check before anything is written.
  const parsed = loungeEventSchema.safeParse(event);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.join('.') === 'admit' ? 'partySize' : issue?.path.join('.');
    throw new ProblemError('INVALID_REQUEST', `${field}: ${issue?.message ?? 'invalid'}`);
  }
  state.invitations.recordEntry(event.eventId, '', d.deviceId, 0, now, {
    kind: event.type,
    people,
  });
  state.outbox.enqueue(event, now);
  const { inside } = d.occupancy.current(now);
  state.accessLog.insert({
    ...record,
    deviceId: d.deviceId,
    loungeId: d.loungeId,
    offline: d.isOffline(),
    codeSha256: NO_CODE,
    inside,
  });
}

const idOf = (d: DeskDeps, now: number) => (d.newEventId ?? ((ms: number) => newEventId(ms)))(now);

/** People the turnstile (or staff) counted leaving; a known passageId counts once. */
export function recordExit(d: DeskDeps, input: ExitInput): OccupancyChange {
  const result = d.state.db
    .transaction((): OccupancyChange => {
      const now = d.clock.now();
      const { passageId, count, gate } = input;
      const seen = passageId && d.state.occupancy.passage(passageId, now - PASSAGE_ID_TTL_MS);
      if (seen) return { ...d.occupancy.current(now), eventId: seen, duplicate: true };
      const eventId = idOf(d, now);
      const at = new Date(now).toISOString();
      const event: LoungeEvent = {
        type: 'exit',
        eventId,
        deviceId: d.deviceId,
        gate,
        at,
        count,
        ...(passageId && { passageId }),
      };
      write(d, now, event, -count, {
        eventId,
        gate,
        invitationId: null,
        decision: 'exit',
        reason: 'EXIT',
        admit: -count,
        decidedAt: at,
        latencyMs: 0,
      });
      if (passageId) {
        d.state.occupancy.recordPassage(passageId, eventId, now, now - PASSAGE_ID_TTL_MS);
      }
      return { ...d.occupancy.current(now), eventId };
    })
    .immediate();
  d.occupancy.changed();
  return result;
}

/** Staff correct the inside count by `delta` (SPEC.md 8: an `adjust` event naming them). */
export function adjustInside(d: DeskDeps, input: Adjustment): OccupancyChange {
  const result = d.state.db
    .transaction((): OccupancyChange => {
      const now = d.clock.now();
      const eventId = idOf(d, now);
      const at = new Date(now).toISOString();
      const gate = input.gate ?? DESK_GATE;
      const event: LoungeEvent = {
        type: 'adjust',
        eventId,
        deviceId: d.deviceId,
        gate,
        at,
        delta: input.delta,
        staff: input.staff,
      };
      write(d, now, event, input.delta, {
        eventId,
        gate,
        invitationId: null,
        decision: 'adjust',
        reason: 'ADJUST',
        admit: input.delta,
        decidedAt: at,
        latencyMs: 0,
        staff: input.staff,
        ...(input.reason && { note: input.reason }),
      });
      return { ...d.occupancy.current(now), eventId };
    })
    .immediate();
  d.occupancy.changed();
  return result;
}

/**
 * A party admitted by hand (reason OVERRIDE, `invitationId` null, admit = party size): a grant
 * that touches no invitation, is never sent to the turnstile webhook, counts into occupancy
 * whatever the capacity, and can be annulled like any grant.
 */
export function admitByHand(d: DeskDeps, input: HandAdmission): Decision {
  if (!input.reason.trim()) throw new ProblemError('INVALID_REQUEST', 'reason: is required');
  const decision = d.state.db
    .transaction((): Decision => {
      const now = d.clock.now();
      const o = admitByHandOutcome(input.partySize);
      const eventId = idOf(d, now);
      const at = new Date(now).toISOString();
      const gate = input.gate ?? DESK_GATE;
      const offline = d.isOffline();
      d.state.invitations.insertGrant({
        eventId,
        invitationId: '',
        gate,
        atMs: now,
        admit: o.admit,
        entriesLeft: 0,
      });
      const event: LoungeEvent = {
        type: 'grant',
        eventId,
        deviceId: d.deviceId,
        gate,
        at,
        invitationId: null,
        admit: o.admit,
        reason: 'OVERRIDE',
        staff: input.staff,
      };
      write(d, now, event, o.admit, {
        eventId,
        gate,
        invitationId: null,
        decision: 'grant',
        reason: 'OVERRIDE',
        admit: o.admit,
        decidedAt: at,
        latencyMs: 0,
        staff: input.staff,
        note: input.reason,
      });
      return {
        decision: 'grant',
        reason: 'OVERRIDE',
        invitationId: null,
        admit: o.admit,
        entriesLeft: 0,
        validUntil: null,
        gate,
        eventId,
        decidedAt: at,
        offline,
        staff: input.staff,
      };
    })
    .immediate();
  d.occupancy.changed();
  return decision;
}
