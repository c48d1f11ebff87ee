import { VERBS, type Verb } from './verbs.ts';

/** SPEC.md section 3, as `lounge-cloud --help` prints it. */
export const ENVIRONMENT: readonly (readonly [string, string])[] = [
  ['HOST, PORT', 'listen address (0.0.0.0, 8080)'],
  ['PUBLIC_URL', 'base of signed links and the token iss (http://localhost:$PORT)'],
  ['DATABASE_URL', 'sqlite:PATH or postgres://… (sqlite:./data/cloud.db)'],
  ['DATABASE_POOL_SIZE', 'PostgreSQL connections per instance (10)'],
  ['MQTT_URL', 'external broker; unset = embedded broker on MQTT_PORT (1883)'],
  ['MQTT_PORT', "the embedded broker's port"],
  ['MQTT_PUBLIC_URL', 'the broker URL handed to devices at enrolment'],
  ['MQTT_USERNAME, MQTT_PASSWORD', "the cloud's own broker login"],
  [
    'MQTT_CLIENT_ID',
    "this instance's broker client id, stable across restarts (default lounge-cloud-HOST-PORT)",
  ],
  ['MQTT_DYNSEC', "1: register device logins in mosquitto's dynamic security"],
  ['LOYALTY_URL, LOYALTY_TOKEN', 'loyalty API and its bearer token'],
  ['ENRICHMENT_URL, ENRICHMENT_TOKEN', 'flight enrichment API'],
  ['CRM_URL, CRM_TOKEN', 'CRM events'],
  ['IBDP_URL, IBDP_TOKEN', 'Iberia Data Platform ingestion'],
  ['', '(the four URLs are required unless INTEGRATIONS=stub)'],
  ['INTEGRATIONS', 'stub: in-process stand-ins (demo and tests only)'],
  ['BOOTSTRAP_ADMIN_KEY', 'create an admin key with this secret if none exists'],
  ['KEY_ENCRYPTION_KEY', '32 bytes base64, seals the signing keys (else a 0600 file)'],
  ['VALIDITY_BEFORE_DEPARTURE', 'token window before departure (4h)'],
  ['VALIDITY_AFTER_DEPARTURE', 'token window after departure (30m)'],
  ['INVITATION_MAX_AHEAD', 'how far ahead of departure one may invite (30d)'],
  ['RATE_LIMIT', 'requests per second per API key, 0 = off (50)'],
  ['LOG_LEVEL', 'fatal|error|warn|info|debug|trace|silent (info)'],
  ['LOG_FORMAT', 'json or pretty (pretty on a terminal, else json)'],
];

const flagLabel = (name: string, value: string | undefined): string =>
  value ? `--${name} ${value}` : `--${name}`;

function usageOf(name: string, verb: Verb): string {
  const flags = Object.entries(verb.flags).map(([flag, f]) => {
    const label = flagLabel(flag, f.value);
    return f.required ? label : `[${label}]`;
  });
  return ['lounge-cloud', name, ...(verb.args ?? []), ...flags].join(' ');
}

function table(rows: readonly (readonly [string, string])[]): string[] {
  const width = Math.max(...rows.map(([a]) => a.length));
  return rows.map(([a, b]) => `  ${a.padEnd(width)}  ${b}`);
}

const environment = (): string[] => ['environment:', ...table(ENVIRONMENT)];

/** `lounge-cloud --help`: every command, the environment variables, an example. */
export function mainHelp(): string {
  return [
    'lounge-cloud: the lounge invitations cloud (HTTP API, broker, outbox) and its admin commands',
    '',
    'usage: lounge-cloud [serve]              run the API',
    '       lounge-cloud <command> [flags]    run one admin command (lounge-cloud <command> --help)',
    '       lounge-cloud --version',
    '',
    'commands:',
    ...table(Object.entries(VERBS).map(([name, v]) => [name, v.summary])),
    '',
    ...environment(),
    '',
    'example:',
    '  INTEGRATIONS=stub DATABASE_URL=sqlite:./data/cloud.db lounge-cloud serve',
  ].join('\n');
}

/** `lounge-cloud <verb> --help`: what it does, its flags, an example. */
export function verbHelp(name: string): string {
  const verb = VERBS[name]!;
  const flags = Object.entries(verb.flags).map(
    ([flag, f]) =>
      [flagLabel(flag, f.value), f.required ? `${f.help} (required)` : f.help] as const,
  );
  return [
    `lounge-cloud ${name}: ${verb.summary}`,
    '',
    `usage: ${usageOf(name, verb)}`,
    ...(flags.length ? ['', 'flags:', ...table(flags)] : []),
    ...(name === 'serve' ? ['', ...environment()] : []),
    '',
    'example:',
    `  ${verb.example}`,
  ].join('\n');
}
