import { parseDuration } from '@lounge/shared';
import { z } from 'zod';
import { decodeKek } from './signing-keys/kek.ts';
import { parseDatabaseUrl } from './store/database-url.ts';

/**
 * Every environment variable of SPEC.md section 3: type, default, source (env) in one schema.
 * Validated once at start; a bad value becomes one line naming the variable.
 */

const duration = (name: string, fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((text, ctx) => {
      try {
        return parseDuration(text) * 1000;
      } catch {
        ctx.addIssue({ code: 'custom', message: `${name}: not a duration: "${text}" (e.g. 4h)` });
        return z.NEVER;
      }
    });

const optionalUrl = z.url({ protocol: /^https?$/ }).optional();
const optional = z.string().min(1).optional();
/** A broker URL: the scheme is the whole protocol, so `mqttx://` or `wssx://` is refused. */
const brokerUrl = z
  .url({ protocol: /^(mqtts?|wss?)$/, error: 'expected an mqtt://, mqtts://, ws:// or wss:// URL' })
  .optional();

/** Runs a parser that throws a message naming the variable; its message becomes the issue. */
const checkedBy =
  (parse: (text: string) => unknown) =>
  (text: string, ctx: z.core.$RefinementCtx<string>): void => {
    try {
      parse(text);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: (err as Error).message });
    }
  };

const envSchema = z.object({
  HOST: z.string().min(1).default('0.0.0.0'),
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  PUBLIC_URL: z.url({ protocol: /^https?$/ }).optional(),
  DATABASE_URL: z
    .string()
    .regex(/^(sqlite:.+|postgres(ql)?:\/\/.+)$/, 'expected sqlite:PATH or postgres://…')
    .superRefine(checkedBy(parseDatabaseUrl))
    .default('sqlite:./data/cloud.db'),
  MQTT_URL: brokerUrl,
  MQTT_PORT: z.coerce.number().int().min(0).max(65535).default(1883),
  MQTT_PUBLIC_URL: brokerUrl,
  MQTT_USERNAME: optional,
  MQTT_PASSWORD: optional,
  MQTT_DYNSEC: z.enum(['0', '1']).optional(),
  MQTT_CLIENT_ID: z
    .string()
    .regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'expected 1-64 of A-Za-z0-9_.:-')
    .optional(),
  LOYALTY_URL: optionalUrl,
  LOYALTY_TOKEN: optional,
  ENRICHMENT_URL: optionalUrl,
  ENRICHMENT_TOKEN: optional,
  CRM_URL: optionalUrl,
  CRM_TOKEN: optional,
  IBDP_URL: optionalUrl,
  IBDP_TOKEN: optional,
  INTEGRATIONS: z.enum(['stub']).optional(),
  BOOTSTRAP_ADMIN_KEY: z.string().min(16, 'must be at least 16 characters').optional(),
  KEY_ENCRYPTION_KEY: z
    .string()
    .min(1)
    .superRefine(checkedBy((text) => decodeKek(text, 'KEY_ENCRYPTION_KEY')))
    .optional(),
  VALIDITY_BEFORE_DEPARTURE: duration('VALIDITY_BEFORE_DEPARTURE', '4h'),
  VALIDITY_AFTER_DEPARTURE: duration('VALIDITY_AFTER_DEPARTURE', '30m'),
  INVITATION_MAX_AHEAD: duration('INVITATION_MAX_AHEAD', '30d'),
  RATE_LIMIT: z.coerce.number().min(0).default(50),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(1000).default(10),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  LOG_FORMAT: z.enum(['json', 'pretty'], 'expected json or pretty').optional(),
});

/** Every variable the cloud reads (what `lounge-cloud --help` must list). */
export const CONFIG_VARIABLES: readonly string[] = Object.keys(envSchema.shape);

type Upstream = { url: string; token?: string };

/** The validated cloud configuration. */
export interface CloudConfig {
  host: string;
  port: number;
  /** Base of signed links and the token `iss`; no trailing slash. */
  publicUrl: string;
  /** False when PUBLIC_URL was not set: with PORT=0 the cloud fills in the port it got. */
  publicUrlSet: boolean;
  databaseUrl: string;
  /** PostgreSQL connections per instance; instances × this + the CLI < max_connections. */
  databasePoolSize: number;
  /** Folder for the SQLite file and the key-encryption key file. */
  dataDir: string;
  mqtt: {
    /** External broker, or undefined to run the embedded one on `port`. */
    url: string | undefined;
    port: number;
    /** MQTT_PUBLIC_URL, if set; else MQTT_URL, else the embedded broker at PUBLIC_URL's host. */
    publicUrl: string | undefined;
    username: string | undefined;
    password: string | undefined;
    dynsec: boolean;
    /**
     * This instance's broker client id: the key of its persistent session (SPEC.md 6), so it
     * must be the same after a restart of the same instance and differ between instances.
     * Undefined: derived from the host name and PORT (cloud.ts `cloudClientId`).
     */
    clientId: string | undefined;
  };
  /** null = `INTEGRATIONS=stub`. */
  integrations: { loyalty: Upstream; enrichment: Upstream; crm: Upstream; ibdp: Upstream } | null;
  bootstrapAdminKey: string | undefined;
  keyEncryptionKey: string | undefined;
  validityBeforeMs: number;
  validityAfterMs: number;
  /** How far ahead of departure an invitation may be issued (also bounds key publication). */
  invitationMaxAheadMs: number;
  rateLimit: number;
  logLevel: string;
  /** `LOG_FORMAT`; undefined = pretty on a terminal, JSON otherwise. */
  logFormat: 'json' | 'pretty' | undefined;
}

/** A configuration error: one line, naming the variable. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

const blankToUndefined = (env: NodeJS.ProcessEnv): Record<string, string> =>
  Object.fromEntries(
    Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined && e[1] !== ''),
  );

/**
 * Parses the environment; throws a ConfigError naming the first bad variable. Admin commands
 * pass `integrations: false`: they never call the airline systems.
 */
export function loadConfig(
  env: NodeJS.ProcessEnv,
  opts: { integrations?: boolean } = {},
): CloudConfig {
  const parsed = envSchema.safeParse(blankToUndefined(env));
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const name = String(issue.path[0] ?? 'environment');
    const message = issue.message.startsWith(name) ? issue.message : `${name}: ${issue.message}`;
    throw new ConfigError(`invalid configuration: ${message}`);
  }
  const e = parsed.data;
  if (e.MQTT_DYNSEC === '1' && e.MQTT_URL && !e.MQTT_USERNAME) {
    // The dynamic-security plugin is driven over the cloud's own login; the embedded broker
    // (MQTT_URL unset) keeps device logins itself and ignores MQTT_DYNSEC.
    throw new ConfigError(
      'invalid configuration: MQTT_DYNSEC=1 needs MQTT_USERNAME/MQTT_PASSWORD of a dynsec admin login',
    );
  }
  const publicUrl = (e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, '');
  return {
    host: e.HOST,
    port: e.PORT,
    publicUrl,
    publicUrlSet: e.PUBLIC_URL !== undefined,
    databaseUrl: e.DATABASE_URL,
    databasePoolSize: e.DATABASE_POOL_SIZE,
    dataDir: dataDirOf(e.DATABASE_URL),
    mqtt: {
      url: e.MQTT_URL,
      port: e.MQTT_PORT,
      publicUrl: e.MQTT_PUBLIC_URL,
      username: e.MQTT_USERNAME,
      password: e.MQTT_PASSWORD,
      dynsec: e.MQTT_DYNSEC === '1',
      clientId: e.MQTT_CLIENT_ID,
    },
    integrations: e.INTEGRATIONS === 'stub' || opts.integrations === false ? null : upstreams(e),
    bootstrapAdminKey: e.BOOTSTRAP_ADMIN_KEY,
    keyEncryptionKey: e.KEY_ENCRYPTION_KEY,
    validityBeforeMs: e.VALIDITY_BEFORE_DEPARTURE,
    validityAfterMs: e.VALIDITY_AFTER_DEPARTURE,
    invitationMaxAheadMs: e.INVITATION_MAX_AHEAD,
    rateLimit: e.RATE_LIMIT,
    logLevel: e.LOG_LEVEL,
    logFormat: e.LOG_FORMAT,
  };
}

function upstreams(e: z.infer<typeof envSchema>): NonNullable<CloudConfig['integrations']> {
  const pick = (name: 'LOYALTY' | 'ENRICHMENT' | 'CRM' | 'IBDP'): Upstream => {
    const url = e[`${name}_URL`];
    if (!url) {
      throw new ConfigError(
        `invalid configuration: ${name}_URL is not set (set all four integration URLs, or INTEGRATIONS=stub for a demo)`,
      );
    }
    const token = e[`${name}_TOKEN`];
    return token ? { url: url.replace(/\/+$/, ''), token } : { url: url.replace(/\/+$/, '') };
  };
  return {
    loyalty: pick('LOYALTY'),
    enrichment: pick('ENRICHMENT'),
    crm: pick('CRM'),
    ibdp: pick('IBDP'),
  };
}

/** The SQLite file's folder, or `./data` for PostgreSQL (it still holds the KEK file). */
function dataDirOf(databaseUrl: string): string {
  if (!databaseUrl.startsWith('sqlite:')) return './data';
  const path = databaseUrl.slice('sqlite:'.length);
  const slash = path.lastIndexOf('/');
  return slash <= 0 ? (slash === 0 ? '/' : '.') : path.slice(0, slash);
}
