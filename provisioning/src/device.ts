import { configPathFrom, readJsonFile } from './config-file.ts';
import { CloudClient, type DeviceCredentials } from './cloud-client.ts';
import type { Context } from './context.ts';
import { loadDeviceKey, type DeviceKey } from './device-key.ts';
import { isDecommissioned, validateConfig, type EdgeConfig } from './edge-config.ts';
import { CliError } from './errors.ts';

/** An enrolled box as the verbs after `enroll` see it: config, key, a cloud client. */
export interface Device {
  path: string;
  config: EdgeConfig;
  key: DeviceKey;
  creds: DeviceCredentials;
  cloud: CloudClient;
}

/** Reads and validates the config; an invalid one names its first bad field. */
export async function loadConfig(
  flag: string | undefined,
  ctx: Context,
): Promise<{ path: string; config: EdgeConfig }> {
  const path = configPathFrom(flag, ctx.env);
  const raw = await readJsonFile(path);
  if (isDecommissioned(raw)) {
    throw new CliError(
      `${path} belongs to device ${raw.deviceId}, decommissioned on this box (its credentials are wiped); enrol again.`,
      { code: 'DECOMMISSIONED' },
    );
  }
  const checked = validateConfig(raw, path);
  if (!checked.ok) {
    throw new CliError(`${path} is not a valid config (${checked.problem}).`, {
      code: 'BAD_CONFIG',
    });
  }
  return { path, config: checked.config };
}

/** Config plus the device key: what every signed call to the cloud needs. */
export async function loadDevice(flag: string | undefined, ctx: Context): Promise<Device> {
  const { path, config } = await loadConfig(flag, ctx);
  const key = await loadDeviceKey(config.deviceKeyFile);
  return {
    path,
    config,
    key,
    creds: { deviceId: config.deviceId, issuer: config.issuer, privateKey: key.privateKey },
    cloud: new CloudClient(config.cloudUrl, ctx.fetch, ctx.clock),
  };
}
