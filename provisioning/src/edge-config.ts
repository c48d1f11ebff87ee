import { z } from 'zod';
import { scannerConfigSchema, type ScannerConfig } from '../../edge-agent/src/scanners/config.ts';

export { scannerConfigSchema, type ScannerConfig };

/**
 * The edge config file as the CLI reads and writes it (SPEC.md section 8). Unknown keys are
 * kept as they are: the agent may add its own and the CLI must not drop them on an edit.
 */
export const edgeConfigSchema = z.looseObject({
  deviceId: z.string().regex(/^dev_[0-9A-HJKMNP-TV-Z]{26}$/, 'a device id like dev_01J…'),
  loungeId: z.string().min(1),
  cloudUrl: z.url(),
  issuer: z.string().min(1),
  deviceKeyFile: z.string().min(1),
  mqtt: z.object({ url: z.string().min(1), username: z.string().min(1), password: z.string() }),
  ibdp: z.object({ url: z.url(), token: z.string() }),
  dataDir: z.string().min(1),
  api: z.object({
    host: z.string().min(1),
    port: z.number().int().min(0).max(65535),
    token: z.string(),
  }),
  scanners: z.array(scannerConfigSchema),
  turnstile: z.object({ webhookUrl: z.url().nullable() }).optional(),
  clockSkewSeconds: z.number().int().min(0).default(120),
  regrantWindowSeconds: z.number().int().min(0).default(10),
});

export type EdgeConfig = z.infer<typeof edgeConfigSchema>;

/** Validates a parsed config; the error names the first bad field, as the agent does. */
export function validateConfig(
  raw: unknown,
): { ok: true; config: EdgeConfig } | { ok: false; problem: string } {
  const result = edgeConfigSchema.safeParse(raw);
  if (result.success) return { ok: true, config: result.data };
  const issue = result.error.issues[0];
  const field = issue?.path.join('.') || '(root)';
  return { ok: false, problem: `${field}: ${issue?.message ?? 'invalid'}` };
}

/** Whether a config still holds live credentials (not decommissioned, not a template). */
export function isEnrolled(raw: unknown): raw is { deviceId: string } {
  if (typeof raw !== 'object' || raw === null) return false;
  const c = raw as { deviceId?: unknown; mqtt?: { password?: unknown } };
  return typeof c.deviceId === 'string' && c.deviceId !== '' && !!c.mqtt?.password;
}
