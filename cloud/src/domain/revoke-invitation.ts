import { TOPICS } from '@lounge/shared';
import type { AppDeps } from '../deps.ts';
import { CloudError } from '../errors.ts';
import { crmRow, ibdpRow, mqttRow } from '../outbox/events.ts';
import type { InvitationRecord, OutboxEventInput, RevocationRecord } from '../store/port.ts';
import { invitationRecord } from './issue-invitation.ts';
import { qrLinks } from './links.ts';
import { invitationView, type InvitationView } from './views.ts';

const iso = (ms: number): string => new Date(ms).toISOString();

/** The revocation as edges see it on MQTT and in the catch-up feed (SPEC.md section 6). */
export const revocationMessage = (r: RevocationRecord) => ({
  seq: r.seq,
  invitationId: r.invitationId,
  revokedAt: iso(r.revokedAt),
  reason: r.reason,
  exp: r.exp,
});

/** The outbox queue all revocation MQTT rows share. */
export const REVOCATIONS_QUEUE = 'revocations';
const inQueue = (seq: number, part: 0 | 1) => ({
  orderKey: REVOCATIONS_QUEUE,
  orderSeq: seq * 2 + part,
});

/** What a revocation needs. */
export type RevokeDeps = Pick<AppDeps, 'store' | 'clock' | 'secrets' | 'notifyOutbox'> & {
  settings: Pick<AppDeps['settings'], 'publicUrl'>;
};

/** Outbox rows of a first revocation: MQTT message and retained head, CRM, IBDP. */
function revocationOutbox(
  deps: RevokeDeps,
  r: RevocationRecord,
  inv: InvitationRecord,
  now: number,
): OutboxEventInput[] {
  return [
    // One sequenced queue for every revocation message and head, in seq order (not by the
    // clock of the instance that wrote them): edges apply seq == lastSeq + 1 and run a
    // catch-up on any gap, and the retained head must never move backwards (SPEC.md 6).
    { ...mqttRow(TOPICS.revocations, revocationMessage(r), false, now), ...inQueue(r.seq, 0) },
    { ...mqttRow(TOPICS.revocationsHead, { seq: r.seq }, true, now), ...inQueue(r.seq, 1) },
    crmRow(
      {
        type: 'vip-invitation.revoked',
        occurredAt: iso(r.revokedAt),
        invitationId: inv.id,
        customerId: inv.customerId,
        loungeId: inv.loungeId,
        validFrom: iso(inv.validFrom),
        validUntil: iso(inv.validUntil),
        qr: qrLinks(deps.settings.publicUrl, inv.id, inv.validUntil, deps.secrets.link),
      },
      now,
    ),
    ibdpRow(
      'invitations',
      invitationRecord(inv, 'revoked', r.revokedAt, { seq: r.seq, reason: r.reason }),
      now,
    ),
  ];
}

/** Revokes idempotently: the first call takes the next seq, later calls return it again. */
export async function revokeInvitation(
  deps: RevokeDeps,
  invitationId: string,
  reason: string,
): Promise<InvitationView & { revocation: ReturnType<typeof revocationMessage> }> {
  const now = deps.clock.now();
  const result = await deps.store.revokeInvitation(invitationId, reason, now, (r, inv) =>
    revocationOutbox(deps, r, inv, now),
  );
  if (!result) throw new CloudError('INVITATION_NOT_FOUND', `no invitation ${invitationId}`);
  if (result.created) deps.notifyOutbox();
  const inv = await deps.store.findInvitation(invitationId);
  if (!inv) throw new CloudError('INVITATION_NOT_FOUND', `no invitation ${invitationId}`);
  const view = invitationView(inv, {
    publicUrl: deps.settings.publicUrl,
    linkSecret: deps.secrets.link,
    nowMs: now,
  });
  return { ...view, revocation: revocationMessage(result.revocation) };
}
