import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { systemClock } from '@lounge/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPtyPair, type PtyPair } from '@lounge/test-helpers/pty';
import {
  API_TOKEN,
  makeSigner,
  startAgent,
  startFakeCloud,
  tempDir,
  type Signer,
  type TestAgent,
} from '../integration/fixtures.ts';

// The whole gate on real parts: a serial scanner on a socat pty, the agent's real serial
// driver, the decision path, SSE and the turnstile webhook.
describe('serial scanner to turnstile, end to end', () => {
  const tmp = tempDir();
  const posted: Record<string, unknown>[] = [];
  const hook = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      posted.push(JSON.parse(body) as Record<string, unknown>);
      res.writeHead(204).end();
    });
  });
  let pty: PtyPair;
  let signer: Signer;
  let cloud: Awaited<ReturnType<typeof startFakeCloud>>;
  let edge: TestAgent;

  beforeAll(async () => {
    signer = await makeSigner();
    cloud = await startFakeCloud([signer.publicJwk], systemClock);
    pty = await openPtyPair();
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
    const hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/open`;
    edge = await startAgent(tmp.dir, cloud.url, {
      clock: systemClock,
      extra: {
        scanners: [{ id: 'gate1', type: 'serial', path: pty.devicePath, suffix: 'cr' }],
        turnstile: { webhookUrl: hookUrl },
      },
    });
  });
  afterAll(async () => {
    await edge?.stop();
    await pty?.kill();
    await new Promise<void>((r) => hook.close(() => r()));
    await cloud?.close();
    tmp.cleanup();
  });

  it('decides a code read on the serial scanner, streams it and posts it to the turnstile', async () => {
    const res = await fetch(`${edge.url}/v1/events`, {
      headers: { authorization: `Bearer ${API_TOKEN}` },
    });
    await expect
      .poll(() => edge.agent.health().scanners[0]?.status, { timeout: 10_000 })
      .toBe('connected');
    const reader = res.body!.getReader();
    const token = await signer.token(systemClock, { gst: 1 });
    // Mis-programmed scanners send CRLF though CR was configured: still one frame.
    await pty.write(`${token}\r\n`);
    let text = '';
    while (!text.includes('event: decision')) {
      text += new TextDecoder().decode((await reader.read()).value);
    }
    await reader.cancel();
    const data = JSON.parse(/data: (.*)/.exec(text)![1]!) as Record<string, unknown>;
    expect(data).toMatchObject({ decision: 'grant', reason: 'OK', admit: 2, gate: 'gate1' });
    await expect.poll(() => posted.length, { timeout: 5000 }).toBe(1);
    expect(posted[0]).toEqual(data);
    const row = edge.agent.state.accessLog.byEventId(String(data.eventId));
    expect(row).toMatchObject({ gate: 'gate1', decision: 'grant' });
    expect(row!.latencyMs).toBeLessThan(1000);
  });

  it('shows an unplugged scanner in /healthz and recovers when it is back', async () => {
    await pty.kill();
    await expect
      .poll(async () => (await (await fetch(`${edge.url}/healthz`)).json()) as { status: string }, {
        timeout: 10_000,
      })
      .toMatchObject({ status: 'degraded', scanners: [{ id: 'gate1', status: 'disconnected' }] });
    await pty.restart();
    await expect
      .poll(() => edge.agent.health().status, { timeout: 20_000, interval: 200 })
      .toBe('ok');
    await pty.write(`not-a-token\r`);
    await expect.poll(() => posted.at(-1)?.reason, { timeout: 5000 }).toBe('MALFORMED');
  });
});
