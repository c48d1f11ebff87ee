import { createHash } from 'node:crypto';
import { ManualClock } from '@lounge/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  fakeScanners,
  makeSigner,
  metricValue,
  startAgent,
  startFakeCloud,
  startWebhookReceiver,
  tempDir,
  type Signer,
  type TestAgent,
} from './fixtures.ts';

// SPEC.md 8: a scanner double read (same code, same scanner, within 1.5 s of its previous
// read, the window sliding) is dropped before any decision: no decision, event, webhook or
// log row; counted in /metrics. API scans are never filtered.
describe('scanner double reads', () => {
  const clock = new ManualClock();
  const tmp = tempDir();
  const scanners = fakeScanners();
  let signer: Signer;
  let cloud: Awaited<ReturnType<typeof startFakeCloud>>;
  let hook: Awaited<ReturnType<typeof startWebhookReceiver>>;
  let edge: TestAgent;

  beforeAll(async () => {
    signer = await makeSigner();
    cloud = await startFakeCloud([signer.publicJwk], clock);
    hook = await startWebhookReceiver();
    edge = await startAgent(tmp.dir, cloud.url, {
      clock,
      extra: {
        scanners: [
          { id: 'gate1', type: 'stdin' },
          { id: 'gate2', type: 'stdin' },
        ],
        turnstile: { webhookUrl: hook.url },
      },
      deps: { createScanners: scanners.factory },
    });
  });
  afterAll(async () => {
    await edge.stop();
    await hook.close();
    await cloud.close();
    tmp.cleanup();
  });

  const read = (scannerId: string, code: string) =>
    scanners.handle.events!.onScan({ scannerId, code, receivedAt: clock.now() });
  const rowsOf = (code: string) => {
    const hash = createHash('sha256').update(code).digest('hex');
    return edge.agent.state.accessLog
      .recent(1000)
      .filter((r) => r.codeSha256 === hash)
      .reverse();
  };
  const settle = () => new Promise((r) => setTimeout(r, 50));

  it('decides a code left on the reader once, until it has been away for 1.5 s', async () => {
    const code = await signer.token(clock, { gst: 2 });
    const hooked = hook.received.length;
    read('gate1', code);
    await expect.poll(() => rowsOf(code).length).toBe(1);
    // The phone stays on the reader: a read every second for 10 s, all dropped.
    for (let i = 0; i < 10; i++) {
      clock.advance(1000);
      read('gate1', code);
    }
    await settle();
    expect(rowsOf(code)).toMatchObject([{ decision: 'grant', admit: 3, gate: 'gate1' }]);
    await expect.poll(() => hook.received.length).toBe(hooked + 1);
    expect(
      await metricValue(edge, /lounge_edge_scanner_double_reads_total\{scanner="gate1"\}/),
    ).toBe(10);
    expect(edge.agent.state.outbox.pendingCount()).toBe(1);

    // Away for more than 1.5 s, then read again: decided, and the code is used.
    clock.advance(1501);
    read('gate1', code);
    await expect.poll(() => rowsOf(code).length).toBe(2);
    expect(rowsOf(code)[1]).toMatchObject({ decision: 'deny', reason: 'ALREADY_USED' });
  });

  it('keeps scanners apart, and never filters API scans', async () => {
    const code = await signer.token(clock, { ent: 3 });
    read('gate1', code);
    read('gate2', code);
    await expect.poll(() => rowsOf(code).length).toBe(2);
    expect(await edge.scan(code, 'gate1')).toMatchObject({ decision: 'grant', entriesLeft: 0 });
    expect(await edge.scan(code, 'gate1')).toMatchObject({ reason: 'ALREADY_USED' });
    expect(rowsOf(code)).toHaveLength(4);
  });
});
