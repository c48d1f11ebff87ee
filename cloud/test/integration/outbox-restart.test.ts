import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnProcess, type SpawnedProcess } from '@lounge/test-helpers/process';
import { startStandIns, type StandIns } from '@lounge/test-helpers/stand-ins';
import { utcDate } from '@lounge/test-helpers/dates';

const BIN = join(import.meta.dirname, '../../bin/lounge-cloud.js');
const ADMIN = 'outbox-restart-admin-secret';

let dir: string;
let standIns: StandIns;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cloud-restart-'));
  standIns = await startStandIns();
});
afterAll(async () => {
  await standIns.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Starts `lounge-cloud serve` on free ports and returns it with its base URL. */
async function startCloud(): Promise<{ proc: SpawnedProcess; url: string }> {
  const proc = await spawnProcess('node', [BIN, 'serve'], {
    env: {
      ...process.env,
      HOST: '127.0.0.1',
      PORT: '0',
      MQTT_PORT: '0',
      DATABASE_URL: `sqlite:${join(dir, 'cloud.db')}`,
      LOYALTY_URL: standIns.urls.loyalty,
      ENRICHMENT_URL: standIns.urls.enrichment,
      CRM_URL: standIns.urls.crm,
      IBDP_URL: standIns.urls.ibdp,
      BOOTSTRAP_ADMIN_KEY: ADMIN,
      LOG_LEVEL: 'info',
    },
    readyLine: /lounge-cloud listening/,
    timeoutMs: 60_000,
  });
  const line = await proc.waitForLine(/lounge-cloud listening/);
  const { port } = JSON.parse(line) as { port: number };
  return { proc, url: `http://127.0.0.1:${port}` };
}

const call = async (url: string, method: string, path: string, body?: unknown) => {
  const res = await fetch(url + path, {
    method,
    headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
};

// Two process starts (node + tsx) each: generous on a loaded 2-core machine.
describe('outbox across a crash', { timeout: 120_000 }, () => {
  it('keeps undelivered CRM events through a kill -9 and delivers each once after restart', async () => {
    await standIns.crm.setMode('down');
    const first = await startCloud();
    const lounge = await call(first.url, 'PUT', '/v1/lounges/MAD-T4S-VELAZQUEZ', {
      airport: 'MAD',
      name: 'Velázquez',
      timezone: 'Europe/Madrid',
    });
    expect(lounge.status).toBe(200);
    const ids: string[] = [];
    for (const customerId of ['IB1001', 'IB1002', 'IB1003']) {
      const res = await call(first.url, 'POST', '/v1/invitations', {
        customerId,
        loungeId: 'MAD-T4S-VELAZQUEZ',
        flight: { number: 'IB0612', date: utcDate() },
      });
      expect(res.status).toBe(201);
      ids.push(res.json.id as string);
    }
    const revoked = await call(first.url, 'POST', `/v1/invitations/${ids[0]}/revoke`, {
      reason: 'test',
    });
    expect(revoked.status).toBe(200);
    // IBDP is up: its records go out while the CRM stays down.
    await standIns
      .waitFor(() => standIns.ibdpRecords('invitations').length === 4, 20_000)
      .catch((err: unknown) => {
        console.error(
          first.proc.stdoutLines.slice(-20).join('\n'),
          standIns.ibdpRecords('invitations'),
        );
        throw err;
      });
    expect(standIns.crmEvents()).toEqual([]);
    await first.proc.killHard();

    await standIns.crm.setMode('ok');
    const second = await startCloud();
    try {
      // The lease the killed process held runs out (10 s), then the next poll takes the rows.
      await standIns.waitFor(() => standIns.crmEvents().length >= 4, 30_000);
      // Give a duplicate the time to show up, if there were one.
      await new Promise((r) => setTimeout(r, 300));
      const events = standIns.crmEvents() as {
        eventId: string;
        type: string;
        invitationId: string;
      }[];
      expect(events).toHaveLength(4);
      expect(new Set(events.map((e) => e.eventId)).size).toBe(4);
      expect(events.map((e) => `${e.invitationId}:${e.type}`).sort()).toEqual(
        [
          `${ids[0]}:vip-invitation.issued`,
          `${ids[0]}:vip-invitation.revoked`,
          `${ids[1]}:vip-invitation.issued`,
          `${ids[2]}:vip-invitation.issued`,
        ].sort(),
      );
      const posts = standIns.crm.requests.filter((r) => r.method === 'POST');
      expect(new Set(posts.map((r) => r.headers['idempotency-key'])).size).toBe(4);
    } finally {
      expect(await second.proc.kill('SIGTERM')).toBe(0);
    }
  });
});
