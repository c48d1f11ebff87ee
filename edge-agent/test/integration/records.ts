import type { RevocationMessage } from '@lounge/shared';
import type { AccessLogEntry } from '../../src/state/index.ts';

// Kept apart from fixtures.ts so unit tests can build records without loading the agent.

/** An access-log row (a MALFORMED deny unless `over` says otherwise), as upload tests queue. */
export const accessRecord = (eventId: string, over: Partial<AccessLogEntry> = {}) =>
  ({
    eventId,
    deviceId: 'dev_1',
    loungeId: 'MAD-T4S-X',
    gate: 'g',
    invitationId: null,
    decision: 'deny',
    reason: 'MALFORMED',
    admit: 0,
    decidedAt: '2026-11-25T12:00:00.000Z',
    offline: false,
    codeSha256: '0'.repeat(64),
    latencyMs: 0,
    ...over,
  }) satisfies AccessLogEntry;

/** The revocation of `seq` (of invitation `inv_<seq>` unless `over` says otherwise). */
export const revocation = (seq: number, over: Partial<RevocationMessage> = {}) =>
  ({
    seq,
    invitationId: `inv_${seq}`,
    revokedAt: '2026-11-25T12:00:00.000Z',
    reason: 'test',
    exp: 2_000_000_000,
    ...over,
  }) satisfies RevocationMessage;
