import { z } from 'zod';
import { DECISION_REASONS } from '../reasons.ts';

/** The decision object: the scan answer, the SSE data and the webhook body (SPEC.md 8). */
export const decisionSchema = z.object({
  decision: z.enum(['grant', 'deny']),
  reason: z.enum(DECISION_REASONS as [string, ...string[]]),
  invitationId: z.string().nullable(),
  admit: z.number().int().min(0),
  entriesLeft: z.number().int().min(0),
  validUntil: z.string().nullable(),
  gate: z.string(),
  eventId: z.string(),
  decidedAt: z.string(),
  offline: z.boolean(),
  dryRun: z.literal(true).optional(),
  clockSuspect: z.literal(true).optional(),
  /** The turnstile's id for the physical read (`POST /v1/scan`), echoed back. */
  scanId: z.string().optional(),
  /** The staff member behind a desk action (an override), SPEC.md 8. */
  staff: z.string().optional(),
});

export type Decision = z.infer<typeof decisionSchema>;

/** One access-log record as uploaded to IBDP dataset `access-logs` (SPEC.md 8). */
export const accessLogRecordSchema = z.object({
  eventId: z.string(),
  deviceId: z.string(),
  loungeId: z.string(),
  gate: z.string(),
  invitationId: z.string().nullable(),
  // SPEC.md 8: every decision, annul, exit and adjust is one record.
  decision: z.enum(['grant', 'deny', 'annul', 'exit', 'adjust']),
  reason: z.string(),
  admit: z.number().int().min(0),
  decidedAt: z.string(),
  offline: z.boolean(),
  codeSha256: z.string().regex(/^[0-9a-f]{64}$/),
  latencyMs: z.number().min(0),
  scanId: z.string().optional(),
  /** The staff member who acted at the desk console. */
  staff: z.string().optional(),
});

export type AccessLogRecord = z.infer<typeof accessLogRecordSchema>;
