import { joinUrl, type Clock } from '@lounge/shared';
import { networkReason, readProblem, type Fetch, type FetchResponse } from '../cloud-client.ts';
import type { Device } from '../device.ts';
import { CliError } from '../errors.ts';
import type { CheckResult } from '../output.ts';

const TIMEOUT_MS = 5_000;

/** Cloud reachable (`/healthz`), its clock vs ours (`Date` header), and our assertion accepted. */
export async function cloudChecks(device: Device, clock: Clock): Promise<CheckResult[]> {
  const { config } = device;
  let dateHeader: string | null = null;
  const sentAt = clock.now();
  let cloud: CheckResult;
  try {
    const res = await device.cloud.send('GET', '/healthz', { timeoutMs: TIMEOUT_MS });
    dateHeader = res.headers.get('date');
    await res.body?.cancel();
    cloud = res.ok
      ? { name: 'cloud', ok: true, detail: `${config.cloudUrl} answers` }
      : fail(
          'cloud',
          `${joinUrl(config.cloudUrl, '/healthz')} answered ${res.status}`,
          'the cloud is up but unhealthy; tell the operator',
        );
  } catch (err) {
    const detail = err instanceof CliError ? err.message.replace(/\.$/, '') : String(err);
    cloud = fail(
      'cloud',
      detail,
      'check the network, DNS and proxy of this box, and that the cloud is up',
    );
    return [
      cloud,
      fail('clock', 'cannot compare: the cloud is unreachable', 'fix the cloud connection first'),
      fail(
        'credentials',
        'not checked: the cloud is unreachable',
        'fix the cloud connection first',
      ),
    ];
  }
  return [
    cloud,
    clockCheck(dateHeader, sentAt, clock.now(), config.clockSkewSeconds),
    await credentialsCheck(device),
  ];
}

/** The `Date` header has one-second resolution; compare with the middle of the round trip. */
export function clockCheck(
  date: string | null,
  sentAt: number,
  receivedAt: number,
  skewSeconds: number,
): CheckResult {
  const cloudMs = date ? Date.parse(date) : Number.NaN;
  if (Number.isNaN(cloudMs)) {
    return fail('clock', 'the cloud sent no Date header', 'check for a proxy stripping headers');
  }
  const skew = Math.round(((sentAt + receivedAt) / 2 - cloudMs) / 1000);
  const detail = `${skew === 0 ? 'in step with' : `${Math.abs(skew)} s ${skew > 0 ? 'ahead of' : 'behind'}`} the cloud (limit ${skewSeconds} s)`;
  return Math.abs(skew) <= skewSeconds
    ? { name: 'clock', ok: true, detail }
    : fail(
        'clock',
        detail,
        'enable time sync (timedatectl set-ntp true) and check the NTP server is reachable',
      );
}

async function credentialsCheck(device: Device): Promise<CheckResult> {
  let res: FetchResponse;
  try {
    res = await device.cloud.sendAsDevice(device.creds, 'GET', '/v1/revocations?after=0&limit=1');
  } catch (err) {
    const detail = err instanceof Error ? err.message.replace(/\.$/, '') : String(err);
    return fail('credentials', detail, 'check the network, then run doctor again');
  }
  if (res.ok) {
    await res.body?.cancel();
    return {
      name: 'credentials',
      ok: true,
      detail: `device ${device.config.deviceId} accepted by the cloud`,
    };
  }
  const problem = await readProblem(res);
  const why = problem.code ?? `HTTP ${res.status}`;
  const hint =
    problem.code === 'DEVICE_DECOMMISSIONED'
      ? 'this device was decommissioned; enrol it again with a new token'
      : 'the device key does not match the cloud; check the clock, or enrol again with a new token';
  return fail('credentials', `the cloud refused the device assertion (${why})`, hint);
}

/** `GET {ibdp.url}/v1/health` answers 2xx when IBDP is up (SPEC.md section 5). */
export async function ibdpCheck(device: Device, fetch: Fetch): Promise<CheckResult> {
  const { ibdp } = device.config;
  if (!ibdp)
    return fail(
      'ibdp',
      'no IBDP settings in the config',
      'enrol the device again: the enrolment writes them',
    );
  const url = joinUrl(ibdp.url, '/v1/health');
  try {
    const res = await fetch(url, {
      headers: { authorization: `Bearer ${ibdp.token}` },
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    await res.body?.cancel();
    return res.ok
      ? { name: 'ibdp', ok: true, detail: `${url} answers` }
      : fail(
          'ibdp',
          `${url} answered ${res.status}`,
          'IBDP is unhealthy; access logs wait on disk until it recovers',
        );
  } catch (err) {
    return fail(
      'ibdp',
      `cannot reach ${url} (${networkReason(err)})`,
      'check the network route to IBDP; access logs wait on disk meanwhile',
    );
  }
}

export const fail = (name: string, detail: string, hint: string): CheckResult => ({
  name,
  ok: false,
  detail,
  hint,
});
