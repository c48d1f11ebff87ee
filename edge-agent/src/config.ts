import { readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { DEVICE_ID_RE, JsonSyntaxProblem, LOUNGE_ID_RE, parseJsonText } from '@lounge/shared';
import { z } from 'zod';
import { EdgeError } from './errors.ts';
import { scannerConfigSchema } from './scanners/config.ts';

const httpUrl = z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' });

/**
 * The edge config file (SPEC.md section 8): every key with its type and default. Source: the
 * JSON file named by `--config FILE` or `LOUNGE_EDGE_CONFIG`; nothing else overrides it.
 */
export const edgeConfigSchema = z.object({
  deviceId: z.string().regex(DEVICE_ID_RE, 'expected dev_ followed by a 26-character ULID'),
  loungeId: z.string().regex(LOUNGE_ID_RE, 'expected a lounge id such as MAD-T4S-VELAZQUEZ'),
  cloudUrl: httpUrl,
  /** The token issuer (the cloud's PUBLIC_URL); kept for the sync and the doctor. */
  issuer: z.string().min(1),
  /** Path of the device's Ed25519 private JWK (mode 0600); relative to the config file. */
  deviceKeyFile: z.string().min(1),
  /** The MQTT login from enrolment; null runs the agent without sync (it decides offline). */
  mqtt: z
    .object({ url: z.string().min(1), username: z.string().min(1), password: z.string() })
    .nullable()
    .default(null),
  /**
   * IBDP ingestion; null keeps every access-log record pending (never deleted). The token may
   * be empty: the cloud hands out '' when IBDP takes none.
   */
  ibdp: z.object({ url: httpUrl, token: z.string() }).nullable().default(null),
  /** Folder of the SQLite state; relative to the config file. */
  dataDir: z.string().min(1).default('/var/lib/lounge-edge'),
  api: z
    .object({
      host: z.string().min(1).default('127.0.0.1'),
      port: z.number().int().min(0).max(65535).default(8081),
      token: z.string().min(16, 'expected at least 16 characters'),
    })
    .strict(),
  scanners: z.array(scannerConfigSchema).default([]),
  turnstile: z
    .object({ webhookUrl: httpUrl.nullable().default(null) })
    .strict()
    .default({ webhookUrl: null }),
  clockSkewSeconds: z.number().int().min(0).max(86_400).default(120),
  /**
   * Logs on stdout (SPEC.md 3 and 8). Unset: `LOG_LEVEL` / `LOG_FORMAT` from the environment,
   * else info, pretty on a terminal and JSON otherwise.
   */
  log: z
    .object({
      level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).optional(),
      format: z.enum(['json', 'pretty']).optional(),
    })
    .strict()
    .default({}),
  /**
   * The desk console (SPEC.md 8), set by `lounge-provision console`; null serves none. Plain
   * HTTP on the lounge LAN; with `tls` (PEM files, relative to the config file) HTTPS and
   * `Secure` cookies.
   */
  console: z
    .object({
      host: z.string().min(1).default('0.0.0.0'),
      port: z.number().int().min(0).max(65535).default(8088),
      tls: z
        .object({ cert: z.string().min(1), key: z.string().min(1) })
        .strict()
        .nullable()
        .default(null),
    })
    .strict()
    .nullable()
    .default(null),
});

/** The validated edge config, paths resolved. */
export type EdgeConfig = z.infer<typeof edgeConfigSchema>;

const KNOWN_KEYS = new Set(Object.keys(edgeConfigSchema.shape));

/** Keys earlier versions wrote: still accepted, whatever their value, with this warning. */
const RETIRED_KEYS: Record<string, string> = {
  regrantWindowSeconds:
    'no longer used, ignored (SPEC.md 8: a used code is never granted again; scanner double ' +
    'reads are dropped and turnstile retries carry a scanId)',
};

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

function issueLine(issue: z.core.$ZodIssue): string {
  const path = issue.path.length ? issue.path.map(String).join('.') : '(top level)';
  const input = (issue as { input?: unknown }).input;
  let message: string;
  if (issue.code === 'invalid_type') {
    message =
      input === undefined
        ? `is required (expected ${article(issue.expected)})`
        : `expected ${article(issue.expected)}, got ${describe(input)}`;
  } else if (issue.code === 'unrecognized_keys') {
    message = `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.join(', ')}`;
  } else {
    message = issue.message.replace(/^Invalid input: /, '');
    if (input !== undefined && !message.includes('got')) message += `, got ${describe(input)}`;
  }
  return `config: ${path}: ${message}`;
}

const article = (type: string): string => (/^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`);

/**
 * Validates a parsed config object. Throws an EdgeError with one line per bad field, each
 * naming it (`config: api.port: expected a number, got "abc"`). Paths are resolved against
 * `baseDir`. Returns unknown and retired top-level keys as warnings (another version may have
 * added them; an older one may still hold `regrantWindowSeconds`).
 */
export function parseConfig(
  raw: unknown,
  baseDir: string,
): { config: EdgeConfig; warnings: string[] } {
  const parsed = edgeConfigSchema.safeParse(raw, { reportInput: true });
  if (!parsed.success) throw new EdgeError('CONFIG_INVALID', parsed.error.issues.map(issueLine));
  const config = parsed.data;
  const lines: string[] = [];
  const seen = new Set<string>();
  config.scanners.forEach((s, i) => {
    if (seen.has(s.id)) lines.push(`config: scanners.${i}.id: duplicate scanner id "${s.id}"`);
    seen.add(s.id);
  });
  if (lines.length) throw new EdgeError('CONFIG_INVALID', lines);
  const warnings = Object.keys(raw as object)
    .filter((k) => !KNOWN_KEYS.has(k))
    .map(
      (k) =>
        `config: ${k}: ${Object.hasOwn(RETIRED_KEYS, k) ? RETIRED_KEYS[k] : 'unknown key, ignored'}`,
    );
  return {
    config: {
      ...config,
      deviceKeyFile: resolve(baseDir, config.deviceKeyFile),
      dataDir: resolve(baseDir, config.dataDir),
      console: config.console && {
        ...config.console,
        tls: config.console.tls && {
          cert: resolve(baseDir, config.console.tls.cert),
          key: resolve(baseDir, config.console.tls.key),
        },
      },
    },
    warnings,
  };
}

/**
 * A config `lounge-provision decommission` wiped: the ids are still there, the MQTT password
 * is empty. The agent says so rather than listing the fields the wipe emptied.
 */
export function isDecommissioned(raw: unknown): raw is { deviceId: string } {
  if (typeof raw !== 'object' || raw === null) return false;
  const c = raw as { deviceId?: unknown; mqtt?: { password?: unknown } | null };
  return typeof c.deviceId === 'string' && c.deviceId !== '' && c.mqtt?.password === '';
}

/** Reads and validates the config file; throws EdgeError with operator-readable lines. */
export function loadConfigFile(path: string): { config: EdgeConfig; warnings: string[] } {
  const file = resolve(path);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : 'unreadable';
    throw new EdgeError('CONFIG_NOT_FOUND', [`config: cannot read ${file}: ${reason}`]);
  }
  let raw: unknown;
  try {
    raw = parseJsonText(text);
  } catch (err) {
    if (!(err instanceof JsonSyntaxProblem)) throw err;
    throw new EdgeError('CONFIG_INVALID', [`config: ${file} is not valid JSON: ${err.message}`]);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new EdgeError('CONFIG_INVALID', [`config: ${file} must hold a JSON object`]);
  }
  if (isDecommissioned(raw)) {
    throw new EdgeError('DECOMMISSIONED', [
      `config: device ${raw.deviceId} was decommissioned (its credentials in ${file} are wiped); ` +
        'enrol the box again with lounge-provision enroll',
    ]);
  }
  return parseConfig(raw, dirname(file));
}

/** True when a key file is readable by group or others (it should be 0600). */
export function isModeTooWide(path: string): boolean {
  return (statSync(path).mode & 0o077) !== 0;
}
