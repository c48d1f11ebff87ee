import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { arch, platform, release } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import {
  optionalString,
  parseInteger,
  parseVerbArgs,
  requiredString,
  type VerbSpec,
} from '../args.ts';
import { CloudClient, type EnrollmentAnswer } from '../cloud-client.ts';
import {
  commitTemp,
  configPathFrom,
  readJsonFile,
  SECRET_MODE,
  writeTemp,
} from '../config-file.ts';
import type { Context } from '../context.ts';
import { DEVICE_KEY_FILE, generateDeviceKey, serializeKey } from '../device-key.ts';
import { isEnrolled } from '../edge-config.ts';
import { CliError, UsageError } from '../errors.ts';
import { step } from '../output.ts';

export const spec: VerbSpec = {
  usage:
    'lounge-provision enroll --cloud URL --token T [--config PATH] [--data-dir DIR] [--api-host H] [--api-port P] [--name N] [--force]',
  options: {
    cloud: { type: 'string', required: true, value: 'URL', help: "the cloud's public URL" },
    token: {
      type: 'string',
      required: true,
      value: 'T',
      help: 'the enrolment token (lounge-cloud enrollment-token)',
    },
    config: {
      type: 'string',
      value: 'PATH',
      help: 'where to write the config (default /etc/lounge-edge/config.json)',
    },
    'data-dir': {
      type: 'string',
      value: 'DIR',
      help: "the agent's state folder (default /var/lib/lounge-edge)",
    },
    'api-host': { type: 'string', value: 'H', help: 'local API address (default 127.0.0.1)' },
    'api-port': { type: 'string', value: 'P', help: 'local API port (default 8081)' },
    name: { type: 'string', value: 'N', help: 'a name for the box (default: the host name)' },
    force: { type: 'boolean', help: 'replace a config that is still enrolled' },
  },
  example:
    'lounge-provision enroll --cloud https://lounge.example.com --token let_… --name mad-t4s-gate1',
};

export const DEFAULT_DATA_DIR = '/var/lib/lounge-edge';

/** The config file `enroll` writes: SPEC.md section 8, credentials from the cloud's answer. */
export function buildConfig(
  answer: EnrollmentAnswer,
  opts: { keyPath: string; dataDir: string; apiHost: string; apiPort: number; apiToken: string },
  previous?: Record<string, unknown>,
): Record<string, unknown> {
  return {
    deviceId: answer.deviceId,
    loungeId: answer.loungeId,
    cloudUrl: answer.cloudUrl,
    issuer: answer.issuer,
    deviceKeyFile: opts.keyPath,
    mqtt: answer.mqtt,
    ibdp: answer.ibdp,
    dataDir: opts.dataDir,
    api: { host: opts.apiHost, port: opts.apiPort, token: opts.apiToken },
    // A forced re-enrolment keeps the scanners and turnstile already set up on this box.
    scanners: Array.isArray(previous?.scanners) ? previous.scanners : [],
    turnstile: previous?.turnstile ?? { webhookUrl: null },
    clockSkewSeconds: 120,
  };
}

/** `enroll`: key on the box, one-time token exchange, config and key written atomically. */
export async function run(ctx: Context, argv: readonly string[]): Promise<number> {
  const values = parseVerbArgs(spec, argv);
  const cloudUrl = requiredString(values, 'cloud');
  if (!/^https?:\/\/[^/]/.test(cloudUrl))
    throw new UsageError('--cloud must be an http(s) URL', spec.usage);
  const token = requiredString(values, 'token');
  const configPath = resolve(configPathFrom(optionalString(values, 'config'), ctx.env));
  const keyPath = join(dirname(configPath), DEVICE_KEY_FILE);
  const apiPortText = optionalString(values, 'api-port');
  const apiPort =
    apiPortText === undefined ? 8081 : parseInteger(apiPortText, '--api-port', spec.usage);
  if (apiPort > 65535) throw new UsageError('--api-port must be at most 65535', spec.usage);

  const previous = await readExisting(configPath);
  if (isEnrolled(previous) && values.force !== true) {
    throw new CliError(
      `${configPath} already holds enrolled device ${previous.deviceId}; decommission it or pass --force to replace it.`,
      { code: 'ALREADY_ENROLLED' },
    );
  }

  const key = generateDeviceKey();
  ctx.out(step('generated an Ed25519 device key'));
  // Write the key before spending the one-time token: an unwritable folder must fail first.
  const keyTemp = await writeTemp(keyPath, serializeKey(key), SECRET_MODE);
  let configTemp: string | undefined;
  try {
    const cloud = new CloudClient(cloudUrl, ctx.fetch, ctx.clock);
    const answer = await cloud.enroll(token, {
      publicKey: key.publicJwk,
      name: optionalString(values, 'name') ?? ctx.hostname,
      hardware: `${platform()} ${arch()} ${release()}`,
    });
    ctx.out(
      step(`enrolled with ${cloudUrl}: device ${answer.deviceId}, lounge ${answer.loungeId}`),
    );
    const config = buildConfig(
      answer,
      {
        keyPath,
        dataDir: resolve(optionalString(values, 'data-dir') ?? DEFAULT_DATA_DIR),
        apiHost: optionalString(values, 'api-host') ?? '127.0.0.1',
        apiPort,
        apiToken: randomBytes(32).toString('base64url'),
      },
      previous,
    );
    configTemp = await writeTemp(configPath, `${JSON.stringify(config, null, 2)}\n`, SECRET_MODE);
    await commitTemp(keyTemp, keyPath);
    ctx.out(step(`wrote the device key ${keyPath} (mode 0600)`));
    await commitTemp(configTemp, configPath);
    ctx.out(step(`wrote the config ${configPath} (mode 0600)`));
    ctx.out(`enrolled device ${answer.deviceId} in lounge ${answer.loungeId}`);
    return 0;
  } finally {
    // Nothing half-written stays behind: both temps are gone after a commit, or removed here.
    await rm(keyTemp, { force: true });
    if (configTemp) await rm(configTemp, { force: true });
  }
}

async function readExisting(path: string): Promise<Record<string, unknown> | undefined> {
  try {
    const raw = await readJsonFile(path);
    return typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>) : undefined;
  } catch (err) {
    if (err instanceof CliError && err.code === 'NO_CONFIG') return undefined;
    throw err;
  }
}
