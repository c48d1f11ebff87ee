import { fitsQrBudget, newInvitationId, signToken } from '@lounge/shared';
import type { AppDeps } from '../deps.ts';
import { CloudError } from '../errors.ts';
import { UpstreamUnavailableError, type Flight, type Member } from '../integrations/ports.ts';
import { crmRow, ibdpRow } from '../outbox/events.ts';
import { pseudonymize } from '../security/index.ts';
import type { InvitationRecord } from '../store/port.ts';
import { qrLinks } from './links.ts';
import { validityWindow, type WindowSettings } from './validity-window.ts';
import { invitationView, type InvitationView } from './views.ts';

/** The body of `POST /v1/invitations`. */
export interface IssueRequest {
  customerId: string;
  loungeId: string;
  flight: { number: string; date: string };
  guests?: number;
}

/** What an issuance needs. */
export type IssueDeps = Pick<
  AppDeps,
  | 'integrations'
  | 'store'
  | 'clock'
  | 'random'
  | 'keys'
  | 'secrets'
  | 'metrics'
  | 'log'
  | 'renderQr'
  | 'notifyOutbox'
> & { settings: Pick<AppDeps['settings'], 'publicUrl'> & WindowSettings };

const iso = (ms: number): string => new Date(ms).toISOString();

async function eligibleMember(deps: IssueDeps, req: IssueRequest): Promise<Member> {
  let member: Member | null;
  try {
    member = await deps.integrations.loyalty.getMember(req.customerId);
  } catch (err) {
    // Fail closed: no answer from loyalty means no invitation.
    if (err instanceof UpstreamUnavailableError) {
      throw new CloudError('LOYALTY_UNAVAILABLE', 'the loyalty system did not answer; retry');
    }
    throw err;
  }
  if (!member) throw new CloudError('NOT_ELIGIBLE', 'customer is not a loyalty member');
  if (member.status !== 'active') {
    throw new CloudError('NOT_ELIGIBLE', `loyalty membership is ${member.status}`);
  }
  if (!member.loungeAccess) {
    throw new CloudError('NOT_ELIGIBLE', 'loyalty tier has no lounge access');
  }
  const guests = req.guests ?? 0;
  if (guests > member.guestAllowance) {
    throw new CloudError(
      'TOO_MANY_GUESTS',
      `guests: ${guests} asked, ${member.guestAllowance} allowed`,
      { guestAllowance: member.guestAllowance },
    );
  }
  return member;
}

async function flightOf(deps: IssueDeps, req: IssueRequest): Promise<Flight> {
  try {
    const flight = await deps.integrations.enrichment.getFlight(req.flight.number, req.flight.date);
    if (!flight) {
      throw new CloudError(
        'FLIGHT_NOT_FOUND',
        `flight ${req.flight.number} on ${req.flight.date} does not exist`,
      );
    }
    return flight;
  } catch (err) {
    if (err instanceof UpstreamUnavailableError) {
      throw new CloudError('ENRICHMENT_UNAVAILABLE', 'the flight service did not answer; retry');
    }
    throw err;
  }
}

/**
 * Issues an invitation (SPEC.md section 5): loyalty, lounge, flight and its window, then sign,
 * render, and store token, images and outbox events in one transaction (claim-check before the
 * CRM event).
 */
export async function issueInvitation(deps: IssueDeps, req: IssueRequest): Promise<InvitationView> {
  await eligibleMember(deps, req);
  const lounge = await deps.store.findLounge(req.loungeId);
  if (!lounge) throw new CloudError('UNKNOWN_LOUNGE', `loungeId: no lounge ${req.loungeId}`);
  const flight = await flightOf(deps, req);
  if (flight.origin !== lounge.airport) {
    throw new CloudError(
      'FLIGHT_NOT_FROM_LOUNGE_AIRPORT',
      `flight ${flight.number} departs from ${flight.origin}, the lounge is at ${lounge.airport}`,
    );
  }
  const departure = Date.parse(flight.departureTime);
  if (Number.isNaN(departure)) {
    throw new CloudError('ENRICHMENT_UNAVAILABLE', 'the flight service sent no departure time');
  }
  const now = deps.clock.now();
  const { nbf, exp } = validityWindow(flight.number, departure, now, deps.settings);
  const { publicUrl } = deps.settings;
  const id = newInvitationId(now, deps.random);
  const guests = req.guests ?? 0;
  const key = await deps.keys.current();
  const subject = pseudonymize(req.customerId, deps.secrets.subject);
  const token = await signToken(
    { iss: publicUrl, jti: id, aud: lounge.id, sub: subject, nbf, exp, gst: guests, ent: 1 },
    key,
  );
  if (!fitsQrBudget(token)) {
    deps.metrics.oversizeTokens.inc();
    deps.log.warn({ invitationId: id, length: token.length }, 'token over 360 characters');
  }
  await deps.keys.noteSigned(key.kid, exp);
  const qr = await deps.renderQr(token);
  const invitation: InvitationRecord = {
    id,
    customerId: req.customerId,
    subject,
    loungeId: lounge.id,
    flightNumber: flight.number,
    flightDate: req.flight.date,
    departureTime: flight.departureTime,
    guests,
    entries: 1,
    entriesUsed: 0,
    validFrom: nbf * 1000,
    validUntil: exp * 1000,
    kid: key.kid,
    token,
    qrPng: qr.png,
    qrSvg: qr.svg,
    status: 'issued',
    createdAt: now,
    revokedAt: null,
    revokeReason: null,
    usedAt: null,
  };
  const links = qrLinks(publicUrl, id, invitation.validUntil, deps.secrets.link);
  const outbox = [
    crmRow(
      {
        type: 'vip-invitation.issued',
        occurredAt: iso(now),
        invitationId: id,
        customerId: req.customerId,
        loungeId: lounge.id,
        validFrom: iso(invitation.validFrom),
        validUntil: iso(invitation.validUntil),
        qr: links,
      },
      now,
    ),
    ibdpRow('invitations', invitationRecord(invitation, 'issued', now), now),
  ];
  const result = await deps.store.insertInvitation(invitation, outbox, now);
  if (!result.inserted) {
    throw new CloudError(
      'ALREADY_INVITED',
      `customer already holds invitation ${result.existing.id} for this flight and lounge`,
      { invitationId: result.existing.id },
    );
  }
  deps.notifyOutbox();
  return invitationView(invitation, { publicUrl, linkSecret: deps.secrets.link, nowMs: now });
}

/** The IBDP `invitations` record of one state change (no token, no image). */
export function invitationRecord(
  inv: InvitationRecord,
  change: 'issued' | 'revoked' | 'entry' | 'reissued',
  at: number,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    change,
    at: iso(at),
    invitationId: inv.id,
    customerId: inv.customerId,
    subject: inv.subject,
    loungeId: inv.loungeId,
    flightNumber: inv.flightNumber,
    flightDate: inv.flightDate,
    departureTime: inv.departureTime,
    guests: inv.guests,
    entries: inv.entries,
    validFrom: iso(inv.validFrom),
    validUntil: iso(inv.validUntil),
    kid: inv.kid,
    ...extra,
  };
}
