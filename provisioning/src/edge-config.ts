import { dirname } from 'node:path';
import { isDecommissioned, parseConfig, type EdgeConfig } from '@lounge/edge-agent/config';
import { EdgeError } from '@lounge/edge-agent/errors';
import { scannerConfigSchema, type ScannerConfig } from '@lounge/edge-agent/scanner-config';

export { isDecommissioned, scannerConfigSchema, type EdgeConfig, type ScannerConfig };

/**
 * Validates a parsed config with the agent's own schema (edge-agent/src/config.ts), so "valid"
 * here means "the agent will start with it". Paths resolve against the config's folder.
 */
export function validateConfig(
  raw: unknown,
  path: string,
): { ok: true; config: EdgeConfig } | { ok: false; problem: string } {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { ok: false, problem: 'the file must hold a JSON object' };
  }
  try {
    return { ok: true, config: parseConfig(raw, dirname(path)).config };
  } catch (err) {
    if (!(err instanceof EdgeError)) throw err;
    // Every bad field, so one edit fixes them all (not one run per field).
    const lines = err.lines.map((l) => l.replace(/^config: /, ''));
    return { ok: false, problem: lines.join('; ') };
  }
}

/** Whether a config still holds live credentials (not decommissioned, not a template). */
export function isEnrolled(raw: unknown): raw is { deviceId: string } {
  if (typeof raw !== 'object' || raw === null) return false;
  const c = raw as { deviceId?: unknown; mqtt?: { password?: unknown } | null };
  return typeof c.deviceId === 'string' && c.deviceId !== '' && !!c.mqtt?.password;
}
