import { z } from 'zod';
import { EVENT_ID_RE, INVITATION_ID_RE } from '../ids.ts';

// Lounge events (SPEC.md 8): on `lounge/v1/lounges/{loungeId}/entries` and in
// `POST /v1/entries`. Strict objects: a field this version does not know is not silently
// dropped from an event that is then stored and relayed.

const base = {
  eventId: z.string().regex(EVENT_ID_RE, 'expected an event id (evt_…)'),
  deviceId: z.string().min(1).max(64),
  gate: z.string().min(1).max(64),
  at: z.iso.datetime({ offset: true }),
};
const staff = z.string().min(1).max(64);

/** A grant: `admit` people went in (1 + guests; the party size of a code-less override). */
export const grantEventSchema = z.strictObject({
  type: z.literal('grant'),
  ...base,
  invitationId: z.string().regex(INVITATION_ID_RE, 'expected an invitation id (inv_…)').nullable(),
  admit: z.number().int().min(1).max(1000),
  reason: z.enum(['OK', 'OVERRIDE']),
  staff: staff.optional(),
});

/** The turnstile did not turn: the grant `annuls` (same device, within 5 min) is given back. */
export const annulEventSchema = z.strictObject({
  type: z.literal('annul'),
  ...base,
  annuls: z.string().regex(EVENT_ID_RE, 'expected the eventId of a grant'),
  staff: staff.optional(),
});

/** People the turnstile counted leaving (occupancy). */
export const exitEventSchema = z.strictObject({
  type: z.literal('exit'),
  ...base,
  count: z.number().int().min(1).max(1000),
  passageId: z.string().min(1).max(64).optional(),
});

/** A staff correction of the inside count (occupancy). */
export const adjustEventSchema = z.strictObject({
  type: z.literal('adjust'),
  ...base,
  delta: z
    .number()
    .int()
    .min(-10_000)
    .max(10_000)
    .refine((n) => n !== 0, 'must not be 0'),
  staff,
});

/** Any lounge event. */
export const loungeEventSchema = z.discriminatedUnion('type', [
  grantEventSchema,
  annulEventSchema,
  exitEventSchema,
  adjustEventSchema,
]);

export type GrantEvent = z.infer<typeof grantEventSchema>;
export type AnnulEvent = z.infer<typeof annulEventSchema>;
export type ExitEvent = z.infer<typeof exitEventSchema>;
export type AdjustEvent = z.infer<typeof adjustEventSchema>;
export type LoungeEvent = z.infer<typeof loungeEventSchema>;
export type LoungeEventType = LoungeEvent['type'];
