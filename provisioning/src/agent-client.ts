import type { Decision } from '@lounge/shared';
import type { Fetch } from './cloud-client.ts';
import type { EdgeConfig } from './edge-config.ts';
import { CliError } from './errors.ts';

/** The agent's local API base, as reachable from the box itself. */
export function agentBase(config: EdgeConfig): string {
  const host =
    config.api.host === '0.0.0.0' || config.api.host === '::' ? '127.0.0.1' : config.api.host;
  return `http://${host.includes(':') ? `[${host}]` : host}:${config.api.port}`;
}

/** Whether the agent of this config is running: its `/healthz` answers (no token needed). */
export async function agentRunning(config: EdgeConfig, fetch: Fetch): Promise<boolean> {
  try {
    const res = await fetch(`${agentBase(config)}/healthz`, { signal: AbortSignal.timeout(1500) });
    await res.body?.cancel();
    return res.status === 200;
  } catch {
    return false;
  }
}

/**
 * `POST /v1/scanners/:id/test` (SPEC.md 8): the running agent takes that scanner's next read
 * as a dry run and answers here; nothing is consumed. Every refusal is one sentence.
 */
export async function agentTestScan(
  config: EdgeConfig,
  fetch: Fetch,
  scannerId: string,
  timeoutS: number,
): Promise<{ code: string; decision: Decision }> {
  let res;
  try {
    res = await fetch(`${agentBase(config)}/v1/scanners/${encodeURIComponent(scannerId)}/test`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${config.api.token}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ timeoutMs: timeoutS * 1000 }),
      signal: AbortSignal.timeout(timeoutS * 1000 + 5000),
    });
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new CliError(`The running agent did not answer the scan test (${why}).`, {
      code: 'AGENT_UNREACHABLE',
    });
  }
  if (res.status === 200) return (await res.json()) as { code: string; decision: Decision };
  const problem = (await res.json().catch(() => ({}))) as { code?: string; detail?: string };
  switch (res.status) {
    case 408:
      throw new CliError(
        `No scan within ${timeoutS} s on ${scannerId}; check the cable, the scanner mode and the udev rules.`,
        { code: 'NO_SCAN' },
      );
    case 404:
      throw new CliError(
        `The running agent has no scanner ${scannerId}; restart it to load the config (systemctl restart lounge-edge).`,
        { code: 'NO_SCANNER' },
      );
    case 409:
      throw new CliError(`Another scan test is already waiting on ${scannerId}.`, {
        code: 'SCANNER_TEST_BUSY',
      });
    case 401:
      throw new CliError('The running agent refused the API token of this config.', {
        code: 'UNAUTHORIZED',
      });
    default:
      throw new CliError(
        `The running agent answered ${res.status} to the scan test${problem.detail ? `: ${problem.detail}` : ''}.`,
        { code: problem.code ?? 'FAILED' },
      );
  }
}
