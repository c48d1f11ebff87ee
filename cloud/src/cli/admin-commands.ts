import { parseDuration, parseHours } from '@lounge/shared';
import { createApiKey, upsertLounge, type LoungeView } from '../domain/admin.ts';
import { listApiKeys, revokeApiKey } from '../domain/api-keys.ts';
import { createEnrollmentToken } from '../domain/enroll-device.ts';
import { retireSigningKey } from '../domain/retire-signing-key.ts';
import { renderQr } from '../qr/index.ts';
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

/** `api-keys list`: one line per key (id, role, name, created, revoked), never a secret. */
export async function apiKeysList(core: CloudCore): Promise<CommandResult> {
  const keys = await listApiKeys(core.store);
  const lines = keys.map(
    (k) =>
      `${k.id}  ${k.role.padEnd(5)}  ${k.revokedAt ? `revoked ${k.revokedAt}` : 'active'}  ` +
      `created ${k.createdAt}  ${k.name}`,
  );
  return { line: lines.length ? lines.join('\n') : 'no API keys', json: { items: keys } };
}

/** `api-keys revoke ID`: refused at once by every instance (they read the key per request). */
export async function apiKeysRevoke(
  core: CloudCore,
  _flags: Record<string, string | undefined>,
  args: readonly string[] = [],
): Promise<CommandResult> {
  const [id, extra] = args;
  if (!id) throw new UsageError('api-keys revoke needs the key id (see api-keys list)');
  if (extra !== undefined) throw new UsageError(`unexpected argument "${extra}"`);
  const key = await revokeApiKey(core.store, id, core.clock.now());
  return { line: `revoked ${key.role} key ${key.id} (${key.name}) at ${key.revokedAt}`, json: key };
}

/** `lounges add --id ID --airport IATA --tz TZ --name N [--capacity N] [--hours HH:MM-HH:MM]` */
export async function loungesAdd(
  core: CloudCore,
  flags: Record<string, string | undefined>,
): Promise<CommandResult> {
  const capacity = flags.capacity === undefined ? undefined : Number(flags.capacity);
  if (capacity !== undefined && !(Number.isInteger(capacity) && capacity >= 1)) {
    throw new UsageError(`--capacity: expected a whole number of people, got "${flags.capacity}"`);
  }
  const hours = flags.hours === undefined ? undefined : parseHours(flags.hours);
  if (hours === null) throw new UsageError(`--hours: expected HH:MM-HH:MM, got "${flags.hours}"`);
  const lounge = await upsertLounge(
    core.store,
    need(flags, 'id'),
    {
      airport: need(flags, 'airport'),
      timezone: need(flags, 'tz'),
      name: need(flags, 'name'),
      ...(capacity !== undefined && { capacity }),
      ...(hours && { hours }),
    },
    core.clock.now(),
  );
  return { line: `lounge ${lounge.id} saved (${loungeTraits(lounge)})`, json: lounge };
}

/** `MAD, Europe/Madrid, capacity 80, open 05:30-23:00` (also used by `lounges list`). */
export const loungeTraits = (l: LoungeView): string =>
  [
    l.airport,
    l.timezone,
    ...(l.capacity === null ? [] : [`capacity ${l.capacity}`]),
    ...(l.hours ? [`open ${l.hours.opens}-${l.hours.closes}`] : []),
  ].join(', ');

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

/** `signing-keys rotate` (SPEC.md 4: the standby signs from now; a new standby is published) */
export async function signingKeysRotate(core: CloudCore): Promise<CommandResult> {
  const { kid, activatesAt, standby } = await core.keys.rotate();
  const at = new Date(activatesAt).toISOString();
  return {
    line: `signing key ${kid} signs from ${at}; new standby key ${standby} published`,
    json: { kid, activatesAt: at, standby },
  };
}

/**
 * `signing-keys retire KID --reason R` (SPEC.md 5, emergency): out of the JWKS at once, the
 * invitations it signed re-signed here. The running instances see the change within 250 ms
 * and deliver the `keys` message and CRM events (their outbox polls every 2 s).
 */
export async function signingKeysRetire(
  core: CloudCore,
  flags: Record<string, string | undefined>,
  args: readonly string[] = [],
): Promise<CommandResult> {
  const [kid, extra] = args;
  if (!kid) throw new UsageError('signing-keys retire needs the key id (see the JWKS)');
  if (extra !== undefined) throw new UsageError(`unexpected argument "${extra}"`);
  const reason = need(flags, 'reason');
  const result = await retireSigningKey(
    {
      ...core,
      renderQr,
      notifyOutbox: () => undefined,
      settings: { publicUrl: core.config.publicUrl },
    },
    kid,
    reason,
  );
  const stale = result.staleDevices.map((d) => d.deviceId);
  return {
    line:
      `signing key ${kid} retired at ${result.retiredAt}; ${result.reissued} invitation(s) ` +
      `re-signed` +
      (stale.length
        ? `; offline boxes still trusting it until they reconnect: ${stale.join(', ')}`
        : ''),
    json: result,
  };
}

/** `migrate` (openCore already migrated; this just reports it). */
export async function migrate(core: CloudCore): Promise<CommandResult> {
  await core.store.migrate();
  return { line: 'database is up to date', json: { migrated: true } };
}
