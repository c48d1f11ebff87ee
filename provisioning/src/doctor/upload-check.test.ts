import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openEdgeState } from '@lounge/edge-agent';
import { accessRecord } from '@lounge/edge-agent/test-support';
import { ManualClock } from '@lounge/shared';
import { afterEach, describe, expect, it } from 'vitest';
import type { Fetch } from '../cloud-client.ts';
import type { EdgeConfig } from '../edge-config.ts';
import { uploadsCheck } from './upload-check.ts';

const MIN = 60_000;
const clock = new ManualClock();
const iso = (ms: number) => new Date(ms).toISOString();
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function boxConfig(): EdgeConfig {
  const dataDir = mkdtempSync(join(tmpdir(), 'provision-uploads-'));
  dirs.push(dataDir);
  return {
    dataDir,
    api: { host: '0.0.0.0', port: 18081, token: 't' },
    ibdp: { url: 'https://gw.example.com/ibdp', token: 'x' },
  } as EdgeConfig;
}

/** The agent's `/healthz` answering `uploads`, or no agent at all (`undefined`). */
function agent(uploads: unknown): { fetch: Fetch; urls: string[] } {
  const urls: string[] = [];
  const fetch = (async (url: string) => {
    urls.push(url);
    if (uploads === undefined) throw new TypeError('fetch failed');
    return new Response(JSON.stringify({ status: 'degraded', uploads }), { status: 200 });
  }) as unknown as Fetch;
  return { fetch, urls };
}

describe('doctor: uploads', () => {
  it("fails with the agent's last error and a hint naming the URL fix", async () => {
    const config = boxConfig();
    const { fetch, urls } = agent({
      pending: 12,
      oldestPendingAt: iso(clock.now() - MIN),
      lastUploadAt: null,
      lastError: { at: iso(clock.now()), status: 404, detail: 'IBDP answered 404: no route' },
    });
    const check = await uploadsCheck(config, fetch, clock);
    expect(urls).toEqual(['http://127.0.0.1:18081/healthz']);
    expect(check).toMatchObject({ name: 'uploads', ok: false });
    expect(check.detail).toBe(
      `IBDP refuses the uploads: IBDP answered 404: no route; last error at ${iso(clock.now())}; 12 pending, last upload never (agent at http://127.0.0.1:18081/healthz)`,
    );
    expect(check.hint).toMatch(/https:\/\/gw\.example\.com\/ibdp must be the base .*gateway path/);
  });

  it('passes when the agent uploads, and fails on a backlog over 5 minutes old', async () => {
    const config = boxConfig();
    const fine = {
      pending: 0,
      oldestPendingAt: null,
      lastUploadAt: iso(clock.now()),
      lastError: null,
    };
    expect(await uploadsCheck(config, agent(fine).fetch, clock)).toMatchObject({ ok: true });
    const late = {
      pending: 3,
      oldestPendingAt: iso(clock.now() - 6 * MIN),
      lastUploadAt: null,
      lastError: {
        at: iso(clock.now()),
        status: null,
        detail: 'IBDP unreachable: fetch failed (ECONNREFUSED)',
      },
    };
    const check = await uploadsCheck(config, agent(late).fetch, clock);
    expect(check).toMatchObject({
      ok: false,
      detail: expect.stringMatching(/^3 record\(s\) pending, the oldest 6 min old/),
    });
    expect(check.hint).toMatch(/unreachable or failing from this box/);
  });

  it('reads the SQLite state when the agent is stopped', async () => {
    const config = boxConfig();
    expect(await uploadsCheck(config, agent(undefined).fetch, clock)).toMatchObject({
      ok: true,
      detail: 'nothing to upload yet (the agent has not run)',
    });
    const state = openEdgeState({ dataDir: config.dataDir });
    state.accessLog.insert(accessRecord('evt_1', { decidedAt: iso(clock.now() - 60 * MIN) }));
    state.meta.set(
      'last_upload_error',
      JSON.stringify({ at: iso(clock.now()), status: 401, detail: 'IBDP answered 401' }),
    );
    state.close();
    const check = await uploadsCheck(config, agent(undefined).fetch, clock);
    expect(check).toMatchObject({ ok: false });
    expect(check.detail).toMatch(
      /^IBDP refuses the uploads: IBDP answered 401; .*1 pending.*the agent is not running\)$/,
    );
    expect(check.hint).toMatch(/token/);
  });
});
