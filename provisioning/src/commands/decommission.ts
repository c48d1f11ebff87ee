import { rm } from 'node:fs/promises';
import { CONFIG_OPTION, optionalString, parseVerbArgs, type VerbSpec } from '../args.ts';
import { unexpected } from '../cloud-client.ts';
import type { Context } from '../context.ts';
import { readJsonFile, writeJsonAtomic } from '../config-file.ts';
import { loadDevice } from '../device.ts';
import { CliError, describeSystemError } from '../errors.ts';
import { step } from '../output.ts';

export const spec: VerbSpec = {
  usage: 'lounge-provision decommission --config C [--force]',
  options: {
    config: CONFIG_OPTION,
    force: { type: 'boolean', help: 'wipe the credentials even if the cloud refuses' },
  },
  example: 'lounge-provision decommission --config /etc/lounge-edge/config.json',
};

/** `decommission`: tell the cloud first, then wipe the box's credentials. */
export async function run(ctx: Context, argv: readonly string[]): Promise<number> {
  const values = parseVerbArgs(spec, argv);
  const force = values.force === true;
  const device = await loadDevice(optionalString(values, 'config'), ctx);
  const { deviceId } = device.config;

  try {
    const res = await device.cloud.decommission(device.creds);
    const problem = res.problem;
    if (res.ok) {
      ctx.out(step(`the cloud decommissioned device ${deviceId}`));
    } else if (problem.code === 'DEVICE_DECOMMISSIONED') {
      ctx.out(step(`the cloud already lists device ${deviceId} as decommissioned`));
    } else if (res.status === 401 || res.status === 403) {
      throw new CliError(
        `The cloud did not accept this device's own decommission request (${problem.code ?? res.status}); ask an admin to decommission ${deviceId} in the cloud, or pass --force to wipe this box anyway.`,
        { code: problem.code ?? 'FORBIDDEN' },
      );
    } else {
      throw unexpected(res.status, problem, 'refused to decommission the device');
    }
  } catch (err) {
    if (!force || !(err instanceof CliError)) throw err;
    ctx.err(
      `warning: ${err.message} Wiping the local credentials anyway (--force); the cloud still lists ${deviceId}.`,
    );
  }

  try {
    await rm(device.config.deviceKeyFile, { force: true });
  } catch (err) {
    throw new CliError(
      `Cannot delete ${device.config.deviceKeyFile}: ${describeSystemError(err)}.`,
    );
  }
  ctx.out(step(`deleted the device key ${device.config.deviceKeyFile}`));
  // Edit the file as it is on disk (not the parsed config, which carries defaults).
  const raw = (await readJsonFile(device.path)) as Record<string, Record<string, unknown> | null>;
  const wipe = (section: string, key: string) =>
    raw[section] ? { ...raw[section], [key]: '' } : raw[section];
  await writeJsonAtomic(device.path, {
    ...raw,
    mqtt: wipe('mqtt', 'password'),
    ibdp: wipe('ibdp', 'token'),
    api: wipe('api', 'token'),
  });
  ctx.out(step(`wiped the MQTT password, IBDP token and API token in ${device.path}`));
  ctx.out(`decommissioned device ${deviceId}; stop the edge agent, it can no longer connect`);
  return 0;
}
