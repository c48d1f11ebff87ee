import { dirname } from 'node:path';
import { parseConfig, type EdgeConfig } from '@lounge/edge-agent/config';
import { EdgeError } from '@lounge/edge-agent/errors';
import { scannerConfigSchema, type ScannerConfig } from '@lounge/edge-agent/scanner-config';

export { scannerConfigSchema, type EdgeConfig, type ScannerConfig };

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
    const lines = err.lines.map((l) => l.replace(/^config: /, ''));
    const more = lines.length > 2 ? `; and ${lines.length - 2} more` : '';
    return { ok: false, problem: lines.slice(0, 2).join('; ') + more };
  }
}

/** Whether a config still holds live credentials (not decommissioned, not a template). */
export function isEnrolled(raw: unknown): raw is { deviceId: string } {
  if (typeof raw !== 'object' || raw === null) return false;
  const c = raw as { deviceId?: unknown; mqtt?: { password?: unknown } | null };
  return typeof c.deviceId === 'string' && c.deviceId !== '' && !!c.mqtt?.password;
}

/** A config `decommission` wiped: the ids are still there, the secrets are not. */
export function isDecommissioned(raw: unknown): raw is { deviceId: string } {
  if (typeof raw !== 'object' || raw === null) return false;
  const c = raw as { deviceId?: unknown; mqtt?: { password?: unknown } | null };
  return typeof c.deviceId === 'string' && c.mqtt?.password === '';
}
