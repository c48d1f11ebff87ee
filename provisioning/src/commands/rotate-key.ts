import { rm } from 'node:fs/promises';
import { CONFIG_OPTION, optionalString, parseVerbArgs, type VerbSpec } from '../args.ts';
import { unexpected } from '../cloud-client.ts';
import { commitTemp, SECRET_MODE, writeTemp } from '../config-file.ts';
import type { Context } from '../context.ts';
import { loadDevice } from '../device.ts';
import { generateDeviceKey, serializeKey } from '../device-key.ts';
import { CliError } from '../errors.ts';
import { step } from '../output.ts';

export const spec: VerbSpec = {
  usage: 'lounge-provision rotate-key --config C',
  options: { config: CONFIG_OPTION },
  example: 'lounge-provision rotate-key --config /etc/lounge-edge/config.json',
};

/**
 * `rotate-key`: the new public key is registered with an assertion signed by the current key,
 * and only then does the new private key replace the old file (written and fsynced beforehand,
 * so the swap is a rename).
 */
export async function run(ctx: Context, argv: readonly string[]): Promise<number> {
  const values = parseVerbArgs(spec, argv);
  const device = await loadDevice(optionalString(values, 'config'), ctx);
  const { deviceId, deviceKeyFile } = device.config;
  const next = generateDeviceKey();
  ctx.out(step('generated a new Ed25519 device key'));
  const temp = await writeTemp(deviceKeyFile, serializeKey(next), SECRET_MODE);
  try {
    const res = await device.cloud.rotateKey(device.creds, next.publicJwk);
    if (!res.ok) {
      const { problem } = res;
      if (res.status === 401) {
        throw new CliError(
          `The cloud refused the current device key (${problem.code ?? 401}); the key was not rotated.`,
          { code: problem.code ?? 'UNAUTHORIZED' },
        );
      }
      throw unexpected(res.status, problem, 'refused the new key');
    }
    ctx.out(step('registered the new key with the cloud, signed with the old one'));
    await commitTemp(temp, deviceKeyFile);
    ctx.out(step(`replaced ${deviceKeyFile} (mode 0600)`));
  } finally {
    await rm(temp, { force: true });
  }
  ctx.out(`rotated the key of device ${deviceId}; restart the edge agent (lounge-edge) to use it`);
  return 0;
}
