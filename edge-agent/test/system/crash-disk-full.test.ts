import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '@lounge/shared';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  makeSigner,
  startAgent,
  startFakeCloud,
  type Signer,
  type TestAgent,
} from '../integration/fixtures.ts';

// The edge's state on a 2 MiB tmpfs that we fill up: the gate must keep answering (recording
// each decision on the storage reserve), health must say why it is degraded, and the database
// must survive intact.
describe('edge agent on a full disk', () => {
  const clock = new ManualClock();
  const dir = mkdtempSync(join(tmpdir(), 'edge-diskfull-'));
  const filler = join(dir, 'filler.bin');
  let cloud: Awaited<ReturnType<typeof startFakeCloud>>;
  let edge: TestAgent | undefined;
  let signer: Signer;

  beforeAll(async () => {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', dir]);
    signer = await makeSigner();
    cloud = await startFakeCloud([signer.publicJwk], clock);
    edge = await startAgent(dir, cloud.url, { clock });
  });
  afterAll(async () => {
    await edge?.stop();
    await cloud?.close();
    execFileSync('umount', [dir]);
    rmSync(dir, { recursive: true, force: true });
  });

  function fillDisk(): void {
    try {
      writeFileSync(filler, Buffer.alloc(4 * 1024 * 1024));
    } catch (err) {
      expect((err as NodeJS.ErrnoException).code).toBe('ENOSPC');
    }
  }

  it('answers every scan while full, reports degraded, and recovers once space is back', async () => {
    const agent = edge!;
    expect((await agent.scan(await signer.token(clock))).decision).toBe('grant');
    fillDisk();
    const answers: Array<{ status: number; body: Record<string, unknown> }> = [];
    for (let i = 0; i < 100; i++) {
      const res = await agent.call('POST', '/v1/scan', { code: await signer.token(clock) });
      answers.push({ status: res.status, body: (await res.json()) as Record<string, unknown> });
    }
    // Every scan gets a decision, recorded: the reserve gives the room.
    for (const a of answers) {
      expect(a.status).toBe(200);
      expect(a.body.decision).toBe('grant');
    }
    const logged = new Set(
      agent.agent.state.db.prepare('SELECT event_id FROM access_log').pluck().all(),
    );
    for (const a of answers) expect(logged.has(a.body.eventId)).toBe(true);
    const health = await agent.call('GET', '/healthz', undefined, null);
    const body = (await health.json()) as { status: string; reasons?: string[] };
    expect(body.status).toBe('degraded');
    expect(JSON.stringify(body.reasons)).toMatch(/disk|space|storage|database/i);

    unlinkSync(filler);
    expect((await agent.scan(await signer.token(clock))).decision).toBe('grant');
    // Space is back: the reserve is made again and health clears (checked every 5 s).
    const deadline = Date.now() + 15_000;
    let status = '';
    while (status !== 'ok' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
      status = (
        (await (await agent.call('GET', '/healthz', undefined, null)).json()) as {
          status: string;
        }
      ).status;
    }
    expect(status).toBe('ok');
    await agent.stop();
    edge = undefined;
    const db = new Database(join(agent.config.dataDir, 'edge.db'), { readonly: true });
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    } finally {
      db.close();
    }
  });
});
