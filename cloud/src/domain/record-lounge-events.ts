import {
  checkLoungeEvents,
  type EventContext,
  type EventRefusalCode,
  type LoungeEvent,
} from '@lounge/shared';
import type { AppDeps } from '../deps.ts';
import { ibdpRow } from '../outbox/events.ts';
import type {
  InvitationRecord,
  LoungeEventInput,
  OutboxEventInput,
  StoredLoungeEvent,
} from '../store/port.ts';
import { invitationRecord } from './issue-invitation.ts';

/** Where a batch of lounge events came from, and who may have written them. */
export interface EventSource {
  channel: 'http' | 'mqtt' | 'cloud';
  /** The caller's lounge (HTTP) or the topic's (MQTT). */
  loungeId: string;
  /** See `EventContext.mayAuthor`: the caller itself, or an active device of the topic's lounge. */
  mayAuthor(deviceId: string): boolean | undefined;
}

/** What recording lounge events needs. */
export type RecordEventsDeps = Pick<AppDeps, 'store' | 'metrics' | 'log' | 'notifyOutbox'>;

/** The answer of `POST /v1/entries` (SPEC.md 5). */
export interface EventsAnswer {
  accepted: string[];
  refused: { eventId: string | null; code: EventRefusalCode }[];
}

/**
 * The IBDP `invitations` records of an entry or an annul (a state change of the invitation).
 * A double consumption (a grant that took the invitation past its entries: two boxes granted
 * the same code within the propagation window, docs/security.md) marks both sides: this
 * grant's record, and a restatement of each other grant holding the entries (IBDP records are
 * append-only, so the earlier one cannot be edited: a reader keeps the last record per
 * `entryEventId`). Both carry `doubleConsumption: true` and the other side's event ids.
 */
export function entryOutbox(
  event: LoungeEventInput,
  inv: InvitationRecord,
  overusedWith: StoredLoungeEvent[] = [],
): OutboxEventInput[] {
  const double = overusedWith.length > 0;
  const mark = (others: string[]) =>
    double
      ? { doubleConsumption: true, doubleConsumptionWith: others, entriesUsed: inv.entriesUsed }
      : {};
  const record = invitationRecord(inv, 'entry', event.at, {
    entryEventId: event.eventId,
    deviceId: event.deviceId,
    gate: event.gate,
    admit: event.admit ?? 0,
    ...mark(overusedWith.map((g) => g.eventId)),
  });
  const restated = overusedWith.map((g) =>
    invitationRecord(inv, 'entry', g.at, {
      entryEventId: g.eventId,
      deviceId: g.deviceId,
      admit: g.admit ?? 0,
      restated: true,
      ...mark([event.eventId]),
    }),
  );
  return [record, ...restated].map((r) => ibdpRow('invitations', r, event.at));
}

/** The store's row of an accepted event. */
export function eventInput(event: LoungeEvent, loungeId: string): LoungeEventInput {
  return {
    eventId: event.eventId,
    type: event.type,
    loungeId,
    deviceId: event.deviceId,
    gate: event.gate,
    at: Date.parse(event.at),
    invitationId: event.type === 'grant' ? event.invitationId : null,
    admit: event.type === 'grant' ? event.admit : null,
    annuls: event.type === 'annul' ? event.annuls : null,
    payload: JSON.stringify(event),
  };
}

const strings = (values: unknown[]): string[] => [
  ...new Set(values.filter((v): v is string => typeof v === 'string')),
];

/** What the checks need from the store, read once per batch. */
async function contextOf(deps: RecordEventsDeps, raws: unknown[], source: EventSource) {
  const fields = raws.map((r) => (typeof r === 'object' && r !== null ? r : {})) as Record<
    string,
    unknown
  >[];
  const [stored, lounges] = await Promise.all([
    deps.store.findLoungeEvents(strings(fields.flatMap((f) => [f.eventId, f.annuls]))),
    deps.store.invitationLounges(strings(fields.map((f) => f.invitationId))),
  ]);
  const byId = new Map<string, StoredLoungeEvent>(stored.map((e) => [e.eventId, e]));
  const ctx: EventContext = {
    loungeId: source.loungeId,
    mayAuthor: (d) => source.mayAuthor(d),
    invitationLounge: (id) => lounges.get(id) ?? null,
    isStored: (id) => byId.has(id),
    grant: (id) => {
      const e = byId.get(id);
      return e?.type === 'grant'
        ? { deviceId: e.deviceId, atMs: e.at, annulledBy: e.annulledBy }
        : null;
    },
  };
  return ctx;
}

/** Counts and logs a grant that took its invitation past its entries (SPEC.md 8). */
function flagDoubleConsumption(
  deps: RecordEventsDeps,
  e: LoungeEventInput,
  source: EventSource,
): void {
  deps.metrics.doubleConsumptions.inc();
  deps.log.warn(
    { loungeId: source.loungeId, invitationId: e.invitationId, eventId: e.eventId },
    'double consumption: a grant took the invitation past its entries (marked in IBDP)',
  );
}

/**
 * Checks each lounge event on its own (the shared `checkLoungeEvents`), stores the accepted
 * ones (idempotent by eventId: a stored one counts as accepted) and logs and counts the
 * refused, which are never applied (SPEC.md 5 and 6).
 */
export async function recordLoungeEvents(
  deps: RecordEventsDeps,
  raws: unknown[],
  source: EventSource,
): Promise<EventsAnswer> {
  const checks = checkLoungeEvents(raws, await contextOf(deps, raws, source));
  const answer: EventsAnswer = { accepted: [], refused: [] };
  const refuse = (eventId: string | null, code: EventRefusalCode, detail: string) => {
    answer.refused.push({ eventId, code });
    deps.metrics.loungeEventsRefused.inc({ channel: source.channel, code });
    deps.log.warn(
      { channel: source.channel, loungeId: source.loungeId, eventId, code, detail },
      'lounge event refused',
    );
  };
  const fresh: LoungeEventInput[] = [];
  for (const check of checks) {
    if (check.verdict === 'refuse') refuse(check.eventId, check.code, check.detail);
    else if (check.verdict === 'duplicate') answer.accepted.push(check.event.eventId);
    else fresh.push(eventInput(check.event, source.loungeId));
  }
  if (fresh.length === 0) return answer;
  const outcomes = await deps.store.recordLoungeEvents(fresh, entryOutbox);
  fresh.forEach((e, i) => {
    if (outcomes[i] === 'conflict') {
      refuse(e.eventId, 'UNKNOWN_GRANT', `${e.annuls}: annulled by another event meanwhile`);
      return;
    }
    answer.accepted.push(e.eventId);
    if (outcomes[i] === 'applied' || outcomes[i] === 'overused')
      deps.metrics.loungeEvents.inc({ channel: source.channel, type: e.type });
    if (outcomes[i] === 'overused') flagDoubleConsumption(deps, e, source);
  });
  deps.notifyOutbox();
  return answer;
}
