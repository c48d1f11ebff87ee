import { z } from 'zod';
import { openingHoursSchema } from './occupancy/hours.ts';

/** MQTT topics (SPEC.md section 6). */
export const TOPICS = {
  revocations: 'lounge/v1/revocations',
  revocationsHead: 'lounge/v1/revocations/head',
  keys: 'lounge/v1/keys',
  loungeEntries: (loungeId: string): string => `lounge/v1/lounges/${loungeId}/entries`,
  loungeConfig: (loungeId: string): string => `lounge/v1/lounges/${loungeId}/config`,
  deviceStatus: (deviceId: string): string => `lounge/v1/devices/${deviceId}/status`,
  /** Wildcards the cloud subscribes to. */
  allLoungeEntries: 'lounge/v1/lounges/+/entries',
  allDeviceStatus: 'lounge/v1/devices/+/status',
} as const;

/** `lounge/v1/revocations`, QoS 1; also one entry of the catch-up feed. */
export const revocationMessageSchema = z.object({
  seq: z.number().int().min(1),
  invitationId: z.string(),
  revokedAt: z.string(),
  reason: z.string(),
  exp: z.number().int(),
});
export type RevocationMessage = z.infer<typeof revocationMessageSchema>;

/** `lounge/v1/revocations/head`, QoS 1, retained. */
export const revocationHeadSchema = z.object({ seq: z.number().int().min(0) });
export type RevocationHead = z.infer<typeof revocationHeadSchema>;

/**
 * `lounge/v1/keys`, QoS 1, retained: the edge drops the `retired` kids at once and refetches
 * the JWKS (SPEC.md 6). `retired` may be absent in a message from an older cloud.
 */
export const keysMessageSchema = z.object({
  kids: z.array(z.string()),
  retired: z.array(z.string()).default([]),
  updatedAt: z.string(),
});
export type KeysMessage = z.infer<typeof keysMessageSchema>;

// `lounge/v1/lounges/{loungeId}/entries` carries lounge events: see lounge-events/.

/**
 * `lounge/v1/lounges/{loungeId}/config`, QoS 1, retained; also in the enrolment answer and
 * `GET /v1/lounges/:id`. Null capacity: no limit; null hours: the count never resets by itself.
 */
export const loungeConfigSchema = z.object({
  capacity: z.number().int().min(1).nullable(),
  hours: openingHoursSchema.nullable(),
  timezone: z.string().min(1),
  updatedAt: z.string(),
});
export type LoungeConfig = z.infer<typeof loungeConfigSchema>;

// `lounge/v1/devices/{deviceId}/status` carries heartbeats and the will: see schemas/heartbeat.ts.

/** The catch-up feed `GET /v1/revocations`. */
export const revocationPageSchema = z.object({
  entries: z.array(revocationMessageSchema),
  lastSeq: z.number().int().min(0),
});
export type RevocationPage = z.infer<typeof revocationPageSchema>;
