import { parseDuration } from '@lounge/shared';
import { createApiKey, upsertLounge } from '../domain/admin.ts';
import { createEnrollmentToken } from '../domain/enroll-device.ts';
import type { CloudCore } from '../cloud.ts';

/** A command's result: the one line a human reads, and the JSON `--json` prints. */
export interface CommandResult {
  line: string;
  json: unknown;
}

/** A wrong command line (unknown verb or flag, bad or missing value): one sentence, exit 2. */
export class UsageError extends Error {
  readonly exitCode = 2;

  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export const need = (flags: Record<string, string | undefined>, name: string): string => {
  const value = flags[name];
  if (!value) throw new UsageError(`--${name} is required`);
  return value;
};

/** A `--role` value. */
export function checkRole(role: string | undefined): 'app' | 'admin' | undefined {
  if (role !== undefined && role !== 'app' && role !== 'admin') {
    throw new UsageError('--role must be app or admin');
  }
  return role;
}

/** `api-keys create --role app|admin --name N` */
export async function apiKeysCreate(
  core: CloudCore,
  flags: Record<string, string | undefined>,
): Promise<CommandResult> {
  const role = checkRole(need(flags, 'role'))!;
  const key = await createApiKey(core.store, role, need(flags, 'name'), core.clock.now());
  return { line: `created ${role} key ${key.id}: ${key.key}`, json: key };
}

/** `lounges add --id ID --airport IATA --tz TZ --name N` */
export async function loungesAdd(
  core: CloudCore,
  flags: Record<string, string | undefined>,
): Promise<CommandResult> {
  const lounge = await upsertLounge(
    core.store,
    need(flags, 'id'),
    { airport: need(flags, 'airport'), timezone: need(flags, 'tz'), name: need(flags, 'name') },
    core.clock.now(),
  );
  return {
    line: `lounge ${lounge.id} saved (${lounge.airport}, ${lounge.timezone})`,
    json: lounge,
  };
}

/** The API's bounds on `ttlSeconds` (POST /v1/enrollment-tokens): 60 s to 30 days. */
const MIN_TTL_S = 60;
const MAX_TTL_S = 30 * 86_400;

/** `--ttl` with its unit (`90s`, `10m`, `2h`, `1d`); a bare number is refused, not read as s. */
export function parseTtl(text: string): number {
  if (!/^\s*\d+\s*[smhd]\s*$/.test(text)) {
    throw new UsageError(`--ttl needs a number with a unit, e.g. 90s, 10m or 2h (got "${text}")`);
  }
  const seconds = parseDuration(text.replace(/\s+/g, ''));
  if (seconds < MIN_TTL_S) throw new UsageError(`--ttl must be at least 60s (got ${text})`);
  if (seconds > MAX_TTL_S) throw new UsageError(`--ttl must be at most 30d (got ${text})`);
  return seconds;
}

/** `enrollment-token --lounge ID [--ttl 90s|10m|2h]` */
export async function enrollmentToken(
  core: CloudCore,
  flags: Record<string, string | undefined>,
): Promise<CommandResult> {
  const ttl = parseTtl(flags.ttl ?? '1h');
  const token = await createEnrollmentToken(core, need(flags, 'lounge'), ttl);
  return {
    line: `${token.token} (lounge ${token.loungeId}, expires ${token.expiresAt})`,
    json: token,
  };
}

/** `signing-keys rotate` */
export async function signingKeysRotate(core: CloudCore): Promise<CommandResult> {
  const { kid, activatesAt } = await core.keys.rotate();
  const at = new Date(activatesAt).toISOString();
  return {
    line: `new signing key ${kid}: published now, signs from ${at}`,
    json: { kid, activatesAt: at },
  };
}

/** `migrate` (openCore already migrated; this just reports it). */
export async function migrate(core: CloudCore): Promise<CommandResult> {
  await core.store.migrate();
  return { line: 'database is up to date', json: { migrated: true } };
}
