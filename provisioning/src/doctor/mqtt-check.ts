import { networkReason, type Fetch } from '../cloud-client.ts';
import type { EdgeConfig } from '../edge-config.ts';
import type { CheckResult } from '../output.ts';

const TIMEOUT_MS = 5_000;

/** The agent's local API base (`api.host:api.port`; a wildcard bind is reached on loopback). */
function agentBase(api: EdgeConfig['api']): string {
  const host = api.host === '0.0.0.0' || api.host === '::' ? '127.0.0.1' : api.host;
  return `http://${host.includes(':') ? `[${host}]` : host}:${api.port}`;
}

const fail = (detail: string, hint: string): CheckResult => ({
  name: 'mqtt',
  ok: false,
  detail,
  hint,
});

/**
 * The broker link as the running agent sees it (`GET /healthz`, `sync.mqtt`). doctor never
 * logs in to the broker as the box (SPEC.md section 6): the broker takes a device's login
 * only under client id = deviceId, and a second session under that id would end the agent's.
 */
export async function mqttCheck(config: EdgeConfig, fetch: Fetch): Promise<CheckResult> {
  if (!config.mqtt) {
    return fail('no MQTT login in the config', 'enrol the device again: the enrolment writes it');
  }
  const url = `${agentBase(config.api)}/healthz`;
  let health: { deviceId?: string; sync?: { mqtt?: string } };
  try {
    const res = await fetch(url, {
      headers: { authorization: `Bearer ${config.api.token}` },
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    health = (await res.json()) as typeof health;
  } catch (err) {
    return fail(
      `the agent does not answer on ${url} (${networkReason(err)}), so the broker link is unknown`,
      'start the agent (systemctl start lounge-edge): doctor reads the MQTT state from it',
    );
  }
  if (health.deviceId !== undefined && health.deviceId !== config.deviceId) {
    return fail(
      `the agent on ${url} is device ${health.deviceId}, not ${config.deviceId}`,
      'another config is running on that port: check api.port and the service',
    );
  }
  if (health.sync?.mqtt === 'connected') {
    return { name: 'mqtt', ok: true, detail: `the agent is connected to ${config.mqtt.url}` };
  }
  return fail(
    `the agent is not connected to ${config.mqtt.url}`,
    'check that the broker port is open from this box (firewall, proxy); the agent log says ' +
      'why the broker refused it (journalctl -u lounge-edge); if decommissioned, enrol again',
  );
}
