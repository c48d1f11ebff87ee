import { z } from 'zod';

/**
 * The device status message on `lounge/v1/devices/{deviceId}/status` (SPEC.md 6): a heartbeat
 * is the edge's `/healthz` body (SPEC.md 8) plus `{online:true, version, kids,
 * storage:{freeBytes}, at}`; the last will (and the goodbye on a clean stop) is
 * `{online:false, at}`.
 *
 * Unknown fields are kept at the top level (a newer agent's additions reach the fleet view).
 * Every section is optional and falls back to `undefined` when it does not parse, so a reader
 * (the cloud's fleet metrics) copes with older agents (which sent only `{online, version,
 * revocationSeq, at}`) and newer ones alike: one odd field never hides the rest.
 */
const section = <T extends z.ZodType>(schema: T) => schema.optional().catch(undefined);

const scannerSchema = z.object({
  id: z.string(),
  type: z.string(),
  status: z.string(),
  detail: z.string().optional(),
});

export const heartbeatSchema = z.looseObject({
  online: z.literal(true),
  at: z.string(),
  version: section(z.string()),
  status: section(z.enum(['ok', 'degraded'])),
  reasons: section(z.array(z.string())),
  deviceId: section(z.string()),
  loungeId: section(z.string()),
  sync: section(
    z.object({
      revocationSeq: z.number().int().min(0),
      revocationLag: z.number().int().min(0),
      lastSyncAt: z.string().nullable(),
      mqtt: z.string(),
    }),
  ),
  scanners: section(z.array(scannerSchema)),
  uploads: section(
    z.object({
      pending: z.number().int().min(0),
      oldestPendingAt: z.string().nullable(),
      lastUploadAt: z.string().nullable(),
      lastError: z
        .object({ at: z.string(), status: z.number().nullable(), detail: z.string() })
        .nullable(),
    }),
  ),
  /** Filled once `/healthz` reports occupancy (SPEC.md 8); absent from older agents. */
  occupancy: section(
    z.object({ inside: z.number().int().min(0), capacity: z.number().int().nullable() }),
  ),
  clock: section(z.object({ suspect: z.boolean(), skewSeconds: z.number() })),
  kids: section(z.array(z.string())),
  storage: section(z.object({ freeBytes: z.number().nullable() })),
  /** Older agents sent the seq at the top level; newer ones in `sync.revocationSeq`. */
  revocationSeq: section(z.number().int().min(0)),
});
export type Heartbeat = z.infer<typeof heartbeatSchema>;

export const deviceOfflineSchema = z.looseObject({
  online: z.literal(false),
  at: z.string().optional(),
});
export type DeviceOffline = z.infer<typeof deviceOfflineSchema>;

/** `lounge/v1/devices/{deviceId}/status`, QoS 1, retained: a heartbeat or the will. */
export const deviceStatusSchema = z.discriminatedUnion('online', [
  heartbeatSchema,
  deviceOfflineSchema,
]);
export type DeviceStatus = z.infer<typeof deviceStatusSchema>;

/** The revocation seq a heartbeat reports, wherever its agent version put it. */
export const heartbeatSeq = (h: Heartbeat): number | undefined =>
  h.sync?.revocationSeq ?? h.revocationSeq;
