import type { CloudCore } from '../cloud.ts';
import {
  apiKeysCreate,
  apiKeysList,
  apiKeysRevoke,
  checkRole,
  enrollmentToken,
  loungesAdd,
  migrate,
  parseTtl,
  signingKeysRetire,
  signingKeysRotate,
  type CommandResult,
} from './admin-commands.ts';
import {
  checkInvitationFlags,
  devicesDecommission,
  devicesList,
  invitationsList,
  loungeFlag,
  loungesList,
} from './fleet-commands.ts';

/** One flag of a verb: `value` names its argument in the help (absent = a switch). */
export interface FlagSpec {
  value?: string;
  help: string;
  required?: boolean;
}

/** An admin command: opens the store, does one thing, prints its result (SPEC.md 2). */
export type Command = (
  core: CloudCore,
  flags: Record<string, string | undefined>,
  args: readonly string[],
) => Promise<CommandResult>;

/** One verb of `lounge-cloud`: what it does, its flags, an example; `run` absent = `serve`. */
export interface Verb {
  summary: string;
  /** Positional arguments, in order (e.g. `ID`); all required. */
  args?: readonly string[];
  flags: Record<string, FlagSpec>;
  example: string;
  /** Checks the flags' values before anything is opened (a bad one is a UsageError). */
  check?: (flags: Record<string, string | undefined>) => void;
  run?: Command;
}

const json: FlagSpec = { help: 'print the result as JSON' };
const lounge: FlagSpec = { value: 'ID', help: 'only this lounge (e.g. MAD-T4S-VELAZQUEZ)' };

/**
 * Every verb of SPEC.md section 2. Adding one is one entry here: the parser, `--help` and the
 * unknown-flag refusal all come from it. Every admin verb also takes `--json`.
 */
export const VERBS: Record<string, Verb> = {
  serve: {
    summary: 'run the cloud API (the default when no command is given)',
    flags: {},
    example: 'INTEGRATIONS=stub PORT=8080 lounge-cloud serve',
  },
  migrate: {
    summary: 'bring the database schema up to date',
    flags: { json },
    example: 'DATABASE_URL=postgres://lounge@db/lounge lounge-cloud migrate',
    run: (core) => migrate(core),
  },
  'api-keys create': {
    summary: 'create an API key (the secret is shown once)',
    flags: {
      role: { value: 'app|admin', help: 'what the key may do', required: true },
      name: { value: 'N', help: 'who or what uses it', required: true },
      json,
    },
    example: 'lounge-cloud api-keys create --role app --name mobile-app',
    check: (flags) => void checkRole(flags.role),
    run: apiKeysCreate,
  },
  'api-keys list': {
    summary: 'list the API keys (never their secrets), revoked ones included',
    flags: { json },
    example: 'lounge-cloud api-keys list',
    run: (core) => apiKeysList(core),
  },
  'api-keys revoke': {
    summary: 'revoke an API key: refused at once by every instance (not the last admin key)',
    args: ['ID'],
    flags: { json },
    example: 'lounge-cloud api-keys revoke key_01JDQ5S3Z4W8X9Y0ABCDEFGHJK',
    run: apiKeysRevoke,
  },
  'lounges add': {
    summary: 'create or replace a lounge',
    flags: {
      id: { value: 'ID', help: 'lounge id, starting with its airport', required: true },
      airport: { value: 'IATA', help: 'airport code, e.g. MAD', required: true },
      tz: { value: 'TZ', help: 'IANA time zone, e.g. Europe/Madrid', required: true },
      name: { value: 'N', help: 'the name staff and guests know it by', required: true },
      capacity: {
        value: 'N',
        help: 'people allowed inside at once (a full lounge denies LOUNGE_FULL)',
      },
      hours: {
        value: 'HH:MM-HH:MM',
        help: 'opening hours, lounge time; the count resets at closing',
      },
      json,
    },
    example:
      'lounge-cloud lounges add --id MAD-T4S-VELAZQUEZ --airport MAD --tz Europe/Madrid --name "Sala Velázquez" --capacity 120 --hours 05:00-23:30',
    run: loungesAdd,
  },
  'lounges list': {
    summary: 'list the lounges',
    flags: { json },
    example: 'lounge-cloud lounges list',
    run: (core) => loungesList(core),
  },
  'devices list': {
    summary: 'list the enrolled edge boxes (decommissioned ones included)',
    flags: {
      lounge,
      stale: { help: 'only active boxes not seen for 3 minutes (or never)' },
      json,
    },
    example: 'lounge-cloud devices list --lounge MAD-T4S-VELAZQUEZ --stale',
    check: (flags) => void loungeFlag(flags),
    run: devicesList,
  },
  'devices decommission': {
    summary: 'retire a box: its requests and broker login are refused from now on',
    args: ['ID'],
    flags: { json },
    example: 'lounge-cloud devices decommission dev_01JDQ5S3Z4W8X9Y0ABCDEFGHJK',
    run: devicesDecommission,
  },
  'invitations list': {
    summary: 'list invitations, newest first',
    flags: {
      lounge,
      customer: { value: 'C', help: 'only this customer id' },
      status: { value: 'S', help: 'issued, used, revoked or expired' },
      limit: { value: 'N', help: 'at most N (1-1000, default 50)' },
      json,
    },
    example: 'lounge-cloud invitations list --lounge MAD-T4S-VELAZQUEZ --status issued',
    check: checkInvitationFlags,
    run: invitationsList,
  },
  'enrollment-token': {
    summary: "create a single-use token to enrol a lounge's edge box",
    flags: {
      lounge: { value: 'ID', help: 'the lounge the box will serve', required: true },
      ttl: { value: '90s|10m|2h', help: 'lifetime with a unit, at least 60s (default 1h)' },
      json,
    },
    example: 'lounge-cloud enrollment-token --lounge MAD-T4S-VELAZQUEZ --ttl 2h',
    check: (flags) => void parseTtl(flags.ttl ?? '1h'),
    run: enrollmentToken,
  },
  'signing-keys rotate': {
    summary: 'make the standby key the signing key and publish a new standby',
    flags: { json },
    example: 'lounge-cloud signing-keys rotate',
    run: (core) => signingKeysRotate(core),
  },
  'signing-keys retire': {
    summary:
      'emergency: take a leaked key out of the JWKS at once and re-sign the invitations it signed',
    args: ['KID'],
    flags: {
      reason: { value: 'R', help: 'why (kept with the key, logged)', required: true },
      json,
    },
    example: 'lounge-cloud signing-keys retire k_2026_11 --reason "key file leaked"',
    run: signingKeysRetire,
  },
};

/** The first word of every two-word verb (`devices` of `devices list`). */
export const GROUPS: ReadonlySet<string> = new Set(
  Object.keys(VERBS)
    .filter((v) => v.includes(' '))
    .map((v) => v.split(' ')[0]!),
);
