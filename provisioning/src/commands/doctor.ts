import { optionalString, parseVerbArgs, type VerbSpec, CONFIG_OPTION } from '../args.ts';
import type { Context } from '../context.ts';
import { loadDevice, type Device } from '../device.ts';
import { databaseCheck, diskCheck, scannerChecks } from '../doctor/local-checks.ts';
import { mqttCheck } from '../doctor/mqtt-check.ts';
import { cloudChecks, fail, ibdpCheck } from '../doctor/network-checks.ts';
import { uploadsCheck } from '../doctor/upload-check.ts';
import { CliError } from '../errors.ts';
import { formatReport, type CheckResult } from '../output.ts';

export const spec: VerbSpec = {
  usage: 'lounge-provision doctor --config C [--json]',
  options: {
    config: CONFIG_OPTION,
    json: { type: 'boolean', help: 'print the checks as JSON' },
  },
  example: 'lounge-provision doctor --config /etc/lounge-edge/config.json',
};

/**
 * Every check, in the order a technician fixes things: config, network (IBDP, then whether the
 * box's access logs actually reach it), hardware, disk.
 */
export async function runChecks(
  ctx: Context,
  configFlag: string | undefined,
): Promise<CheckResult[]> {
  let device: Device;
  try {
    device = await loadDevice(configFlag, ctx);
  } catch (err) {
    if (!(err instanceof CliError)) throw err;
    const hint =
      err.code === 'DECOMMISSIONED' || err.code === 'NO_DEVICE_KEY'
        ? 'enrol the box again with a new token: lounge-provision enroll --cloud URL --token T'
        : err.code === 'NO_CONFIG'
          ? 'enrol first (lounge-provision enroll), or pass --config with the right path'
          : 'fix the named field, or enrol again';
    return [fail('config', err.message.replace(/\.$/, ''), hint)];
  }
  const { config } = device;
  const configCheck: CheckResult = {
    name: 'config',
    ok: true,
    detail: `${device.path} valid (device ${config.deviceId}, lounge ${config.loungeId})`,
  };
  // The network checks wait on timeouts; run them side by side.
  const [cloud, mqtt, ibdp, uploads] = await Promise.all([
    cloudChecks(device, ctx.clock),
    mqttCheck(config, ctx.fetch),
    ibdpCheck(device, ctx.fetch),
    uploadsCheck(config, ctx.fetch, ctx.clock),
  ]);
  return [
    configCheck,
    ...cloud,
    mqtt,
    ibdp,
    uploads,
    ...(await scannerChecks(config.scanners, ctx.scanners)),
    await diskCheck(config.dataDir),
    databaseCheck(config.dataDir),
  ];
}

/** `doctor`: one ✔/✖ line per check, a hint under each failure, exit 1 if any failed. */
export async function run(ctx: Context, argv: readonly string[]): Promise<number> {
  const values = parseVerbArgs(spec, argv);
  const checks = await runChecks(ctx, optionalString(values, 'config'));
  const ok = checks.every((c) => c.ok);
  if (values.json === true) ctx.out(JSON.stringify({ ok, checks }));
  else for (const line of formatReport(checks)) ctx.out(line);
  return ok ? 0 : 1;
}
