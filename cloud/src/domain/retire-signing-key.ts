import { parseCompactJws, signToken, tokenClaimsSchema, type TokenClaims } from '@lounge/shared';
import type { AppDeps } from '../deps.ts';
import { CloudError } from '../errors.ts';
import { crmRow, ibdpRow } from '../outbox/events.ts';
import type { DeviceRecord, InvitationRecord, OutboxEventInput } from '../store/port.ts';
import { STALE_AFTER_MS } from './fleet-health.ts';
import { invitationRecord } from './issue-invitation.ts';
import { qrLinks } from './links.ts';

/** What a retirement needs: the HTTP app's deps, or the admin CLI's core. */
export type RetireDeps = Pick<
  AppDeps,
  'store' | 'keys' | 'clock' | 'log' | 'renderQr' | 'notifyOutbox' | 'secrets'
> & { settings: Pick<AppDeps['settings'], 'publicUrl'> };

/** A box that may still trust the retired key: it was not connected when it was retired. */
export interface StaleDevice {
  deviceId: string;
  loungeId: string;
  online: boolean;
  lastSeenAt: string | null;
}

/** The answer of `POST /v1/signing-keys/:kid/retire` (SPEC.md 5). */
export interface RetireResult {
  kid: string;
  retiredAt: string;
  /** Invitations re-signed off this key (all calls together: a repeat answers the same). */
  reissued: number;
  staleDevices: StaleDevice[];
}

/** Invitations re-signed per page: each is one QR render and one short transaction. */
const PAGE = 100;

const iso = (ms: number): string => new Date(ms).toISOString();

/** The claims of a token we signed (only our own tokens are in the store). */
function claimsOf(token: string): TokenClaims {
  const parsed = parseCompactJws(token);
  if (!parsed.ok) throw new Error(`stored token does not parse: ${parsed.detail}`);
  return tokenClaimsSchema.parse(JSON.parse(new TextDecoder().decode(parsed.payload)));
}

/**
 * Re-signs one invitation with the signing key: same claims and `jti`, new `kid`, new QR, a
 * CRM `vip-invitation.reissued` event with its links and an IBDP record. False when it was
 * revoked, used up or re-signed by another call meanwhile.
 */
async function reissue(deps: RetireDeps, inv: InvitationRecord, fromKid: string): Promise<boolean> {
  const key = await deps.keys.current();
  const claims = claimsOf(inv.token);
  const token = await signToken(claims, key);
  const qr = await deps.renderQr(token);
  const now = deps.clock.now();
  const { publicUrl } = deps.settings;
  const after = { ...inv, kid: key.kid, token };
  const outbox: OutboxEventInput[] = [
    crmRow(
      {
        type: 'vip-invitation.reissued',
        occurredAt: iso(now),
        invitationId: inv.id,
        customerId: inv.customerId,
        loungeId: inv.loungeId,
        validFrom: iso(inv.validFrom),
        validUntil: iso(inv.validUntil),
        qr: qrLinks(publicUrl, inv.id, inv.validUntil, deps.secrets.link),
      },
      now,
    ),
    ibdpRow('invitations', invitationRecord(after, 'reissued', now, { previousKid: fromKid }), now),
  ];
  // The new key must stay published while the re-signed token lives (SPEC.md 4).
  await deps.keys.noteSigned(key.kid, claims.exp);
  const signed = { kid: key.kid, token, qrPng: qr.png, qrSvg: qr.svg };
  return deps.store.reissueInvitation(inv.id, fromKid, signed, now, outbox);
}

/**
 * Boxes that may have missed the `keys` message: offline, or silent for as long as makes a box
 * stale in the fleet view (SPEC.md 5).
 */
function staleDevices(devices: DeviceRecord[], nowMs: number): StaleDevice[] {
  return devices
    .filter((d) => d.decommissionedAt === null)
    .filter((d) => !d.online || d.lastSeenAt === null || nowMs - d.lastSeenAt >= STALE_AFTER_MS)
    .map((d) => ({
      deviceId: d.deviceId,
      loungeId: d.loungeId,
      online: d.online,
      lastSeenAt: d.lastSeenAt === null ? null : iso(d.lastSeenAt),
    }));
}

/**
 * Emergency retirement of a signing key (SPEC.md 5), idempotent: out of the JWKS at once,
 * the `keys` message tells the edges, then every active invitation it signed is re-signed.
 * A repeat (or a call after a crash half-way) re-signs whatever is still signed by it.
 */
export async function retireSigningKey(
  deps: RetireDeps,
  kid: string,
  reason: string,
): Promise<RetireResult> {
  const retired = await deps.keys.retire(kid, reason);
  if (retired.outcome === 'not-found') {
    throw new CloudError('SIGNING_KEY_NOT_FOUND', `no signing key ${kid}`);
  }
  if (retired.outcome === 'retired') {
    deps.notifyOutbox(retired.keysMessageAt);
    deps.log.warn({ kid, reason }, 'signing key retired');
  }
  let after: string | null = null;
  for (;;) {
    const page = await deps.store.listInvitationsSignedBy(kid, deps.clock.now(), PAGE, after);
    for (const inv of page) await reissue(deps, inv, kid);
    if (page.length > 0) deps.notifyOutbox();
    if (page.length < PAGE) break;
    after = page[page.length - 1]!.id;
  }
  const record = await deps.store.findSigningKeyRetirement(kid);
  const now = deps.clock.now();
  return {
    kid,
    retiredAt: iso(record?.retiredAt ?? retired.retiredAt),
    reissued: record?.reissued ?? 0,
    staleDevices: staleDevices(await deps.store.listDevices(), now),
  };
}
