import { existsSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { readUploadHealth, uploadProblem, type UploadHealth } from '@lounge/edge-agent';
import type { Clock } from '@lounge/shared';
import { agentUrl } from '../agent-url.ts';
import type { Fetch } from '../cloud-client.ts';
import type { EdgeConfig } from '../edge-config.ts';
import type { CheckResult } from '../output.ts';
import { AGENT_DB_FILE } from './local-checks.ts';
import { fail } from './network-checks.ts';

const TIMEOUT_MS = 2_000;

/**
 * Whether the box's access logs reach IBDP (SPEC.md 7 and 8). While the agent runs, its
 * `/healthz` `uploads` says so (SPEC.md 6: read the agent, never log in as it); while it is
 * stopped, its SQLite state is read read-only. Fails with the last error and what to do.
 */
export async function uploadsCheck(
  config: EdgeConfig,
  fetch: Fetch,
  clock: Clock,
): Promise<CheckResult> {
  const url = `${agentUrl(config.api)}/healthz`;
  let source = `agent at ${url}`;
  let uploads = await fromAgent(url, fetch);
  if (!uploads) {
    const file = join(config.dataDir, AGENT_DB_FILE);
    if (!existsSync(file)) {
      return { name: 'uploads', ok: true, detail: 'nothing to upload yet (the agent has not run)' };
    }
    source = `${file}; the agent is not running`;
    try {
      uploads = fromDatabase(file);
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      return fail('uploads', `cannot read ${file} (${why})`, 'run doctor as the agent user');
    }
  }
  return judge(uploads, clock.now(), source, config.ibdp?.url);
}

/** The verdict on an upload state: the same rule as the agent's `/healthz`. */
export function judge(
  u: UploadHealth,
  nowMs: number,
  source: string,
  ibdpUrl: string | undefined,
): CheckResult {
  const figures = `${u.pending} pending, last upload ${u.lastUploadAt ?? 'never'} (${source})`;
  const problem = uploadProblem(u, nowMs);
  if (!problem) return { name: 'uploads', ok: true, detail: figures };
  const at = u.lastError ? `; last error at ${u.lastError.at}` : '';
  return fail('uploads', `${problem}${at}; ${figures}`, hint(u.lastError?.status ?? null, ibdpUrl));
}

function hint(status: number | null, ibdpUrl: string | undefined): string {
  const url = ibdpUrl ?? 'ibdp.url';
  if (status === 404 || status === 405) {
    return `IBDP has no such route: ${url} must be the base IBDP answers under, gateway path included (…/v1/ingest/access-logs is added to it); fix the config or ask the operator, then restart the agent`;
  }
  if (status === 401 || status === 403) {
    return 'IBDP refuses the token in ibdp.token: ask the operator for the right one (or enrol again), then restart the agent';
  }
  if (status !== null && status >= 400 && status < 500) {
    return 'IBDP refuses the batches; send the last error to the operator (records wait on disk, nothing is lost)';
  }
  return `IBDP is unreachable or failing from this box: check the route to ${url} (proxy, firewall, DNS); records wait on disk, nothing is lost`;
}

async function fromAgent(url: string, fetch: Fetch): Promise<UploadHealth | undefined> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(TIMEOUT_MS) });
    if (!res.ok) {
      await res.body?.cancel();
      return undefined;
    }
    const body = (await res.json()) as { uploads?: Partial<UploadHealth> };
    const u = body.uploads;
    if (!u || typeof u.pending !== 'number') return undefined;
    return {
      pending: u.pending,
      oldestPendingAt: u.oldestPendingAt ?? null,
      lastUploadAt: u.lastUploadAt ?? null,
      lastError: u.lastError ?? null,
    };
  } catch {
    return undefined;
  }
}

function fromDatabase(file: string): UploadHealth {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return readUploadHealth(db);
  } finally {
    db.close();
  }
}
