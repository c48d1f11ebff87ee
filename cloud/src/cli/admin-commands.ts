import { parseDuration, parseHours } from '@lounge/shared';
import { createApiKey, loungeView, upsertLounge, type LoungeView } from '../domain/admin.ts';
import { listApiKeys, revokeApiKey } from '../domain/api-keys.ts';
import { createEnrollmentToken } from '../domain/enroll-device.ts';
import type { CloudCore } from '../cloud.ts';

/** A command's result: the one line a human reads, and the JSON `--json` prints. */
export interface CommandResult {
  line: string;
  json: unknown;
}

/** A usage or input error: printed as one sentence, exit 1. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

const need = (flags: Record<string, string | undefined>, name: string): string => {
  const value = flags[name];
  if (!value) throw new UsageError(`--${name} is required`);
  return value;
};

/** `api-keys create --role app|admin --name N` */
export async function apiKeysCreate(
  core: CloudCore,
  flags: Record<string, string | undefined>,
): Promise<CommandResult> {
  const role = need(flags, 'role');
  if (role !== 'app' && role !== 'admin') throw new UsageError('--role must be app or admin');
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
  args: string[] = [],
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

const loungeTraits = (l: LoungeView): string =>
  [
    l.airport,
    l.timezone,
    ...(l.capacity === null ? [] : [`capacity ${l.capacity}`]),
    ...(l.hours ? [`open ${l.hours.opens}-${l.hours.closes}`] : []),
  ].join(', ');

/** `lounges list`: one line per lounge. */
export async function loungesList(core: CloudCore): Promise<CommandResult> {
  const items = (await core.store.listLounges()).map(loungeView);
  return {
    line: items.length
      ? items.map((l) => `${l.id}  ${loungeTraits(l)}  ${l.name}`).join('\n')
      : 'no lounges',
    json: { items },
  };
}

/** `enrollment-token --lounge ID [--ttl 1h]` */
export async function enrollmentToken(
  core: CloudCore,
  flags: Record<string, string | undefined>,
): Promise<CommandResult> {
  let ttl: number;
  try {
    ttl = parseDuration(flags.ttl ?? '1h');
  } catch {
    throw new UsageError(`--ttl: not a duration: "${flags.ttl}" (e.g. 1h)`);
  }
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

/** `migrate` (openCore already migrated; this just reports it). */
export async function migrate(core: CloudCore): Promise<CommandResult> {
  await core.store.migrate();
  return { line: 'database is up to date', json: { migrated: true } };
}
