import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { systemClock, type AccessLogRecord } from '@lounge/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnProcess } from '@lounge/test-helpers/process';
import { startStandIns, type StandIns } from '@lounge/test-helpers/stand-ins';
import {
  API_TOKEN,
  makeSigner,
  rawConfig,
  startFakeCloud,
  tempDir,
  type Signer,
} from './fixtures.ts';

const bin = fileURLToPath(new URL('../../bin/lounge-edge.js', import.meta.url));
const TOKEN = 'ibdp-token-kill';

// SPEC.md 8: IBDP down, kill -9 of the real lounge-edge process mid-retry, restart: every decision arrives,
// and no record ever travels under two different Idempotency-Keys.
describe('uploader across kill -9', () => {
  let ibdp: StandIns;
  let cloud: Awaited<ReturnType<typeof startFakeCloud>>;
  let signer: Signer;
  const tmp = tempDir();
  beforeAll(async () => {
    signer = await makeSigner();
    cloud = await startFakeCloud([signer.publicJwk], systemClock);
    ibdp = await startStandIns({ tokens: { ibdp: TOKEN } });
  });
  afterAll(async () => {
    await ibdp.close();
    await cloud.close();
    tmp.cleanup();
  });

  const startEdge = async () => {
    const config = join(tmp.dir, 'config.json');
    const ibdpConfig = { ibdp: { url: ibdp.urls.ibdp, token: TOKEN } };
    writeFileSync(config, JSON.stringify(rawConfig(tmp.dir, cloud.url, ibdpConfig)));
    const p = await spawnProcess(process.execPath, [bin, '--config', config], {
      readyLine: /lounge-edge started/,
      timeoutMs: 30_000,
    });
    const line = await p.waitForLine(/lounge-edge started/);
    return { p, url: (JSON.parse(line) as { url: string }).url };
  };
  const scan = async (url: string, code: string) => {
    const res = await fetch(`${url}/v1/scan`, {
      method: 'POST',
      headers: { authorization: `Bearer ${API_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ code }),
    });
    return ((await res.json()) as { eventId: string }).eventId;
  };

  it('every decision arrives once a restarted edge reaches IBDP, each under one key', async () => {
    await ibdp.ibdp.setMode('error500');
    const first = await startEdge();
    const decided: string[] = [];
    for (let i = 0; i < 30; i++) {
      decided.push(await scan(first.url, await signer.token(systemClock)));
      if (i % 10 === 9) decided.push(await scan(first.url, 'not-a-token'));
    }
    await ibdp.waitFor(() => ibdp.ibdp.requests.length >= 2, 15_000); // retrying
    await first.p.killHard();

    await ibdp.ibdp.setMode('ok');
    const second = await startEdge();
    for (let i = 0; i < 5; i++)
      decided.push(await scan(second.url, await signer.token(systemClock)));
    const stored = () => ibdp.ibdpRecords('access-logs') as AccessLogRecord[];
    await ibdp.waitFor(() => stored().length >= decided.length, 15_000);
    await second.p.kill();

    expect(stored().map((r) => r.eventId)).toEqual(decided); // all, once, in order
    const keysOf = new Map<string, Set<string>>();
    for (const req of ibdp.ibdp.requests) {
      for (const r of (req.records ?? []) as AccessLogRecord[]) {
        const keys = keysOf.get(r.eventId) ?? new Set();
        keys.add(String(req.headers['idempotency-key']));
        keysOf.set(r.eventId, keys);
      }
    }
    expect(keysOf.size).toBe(decided.length);
    expect([...keysOf.values()].every((k) => k.size === 1)).toBe(true);
    // The batch that failed before the kill was resent as is after the restart.
    const failedKey = String(ibdp.ibdp.requests[0]!.headers['idempotency-key']);
    expect(ibdp.ibdp.stored.some((s) => s.key === failedKey)).toBe(true);
  });
});
