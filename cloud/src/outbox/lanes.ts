import { z } from '@hono/zod-openapi';
import type { OutboxKind, OutboxLane } from '../store/port.ts';

/** One lane in `/readyz` `outbox` (docs/operations.md). */
export const laneReportSchema = z.object({
  pending: z.number().int(),
  oldestPendingAt: z.string().nullable(),
  oldestPendingAgeSeconds: z.number().int(),
  lastError: z
    .object({ detail: z.string(), attempts: z.number().int(), nextAttemptAt: z.string() })
    .nullable(),
});
export type LaneReport = z.infer<typeof laneReportSchema>;

/** How long a lane's oldest undelivered event has waited (0 when none). */
export const laneAgeSeconds = (lane: OutboxLane, nowMs: number): number =>
  lane.oldestCreatedAt === null
    ? 0
    : Math.max(0, Math.floor((nowMs - lane.oldestCreatedAt) / 1000));

/** The lanes as `/readyz` shows them: ages against `nowMs`, times in ISO. */
export function laneReports(
  lanes: Record<OutboxKind, OutboxLane>,
  nowMs: number,
): Record<OutboxKind, LaneReport> {
  const out = {} as Record<OutboxKind, LaneReport>;
  for (const [kind, lane] of Object.entries(lanes) as [OutboxKind, OutboxLane][]) {
    out[kind] = {
      pending: lane.pending,
      oldestPendingAt:
        lane.oldestCreatedAt === null ? null : new Date(lane.oldestCreatedAt).toISOString(),
      oldestPendingAgeSeconds: laneAgeSeconds(lane, nowMs),
      lastError: lane.lastError && {
        detail: lane.lastError.error,
        attempts: lane.lastError.attempts,
        nextAttemptAt: new Date(lane.lastError.nextAttemptAt).toISOString(),
      },
    };
  }
  return out;
}
