import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ManualClock } from '@lounge/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScannerEvents, Scanner } from '../../src/scanners/port.ts';
import {
  API_TOKEN,
  makeSigner,
  startAgent,
  startFakeCloud,
  tempDir,
  type Signer,
  type TestAgent,
} from './fixtures.ts';

/** Reads `event:`/`data:` frames from an SSE response. */
function sseReader(res: Response) {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  return {
    async next(): Promise<{ event: string; data: unknown }> {
      for (;;) {
        const end = buffer.indexOf('\n\n');
        if (end >= 0) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const lines = frame.split('\n');
          const event = lines.find((l) => l.startsWith('event: '))?.slice(7);
          const data = lines.find((l) => l.startsWith('data: '))?.slice(6);
          if (event && data) return { event, data: JSON.parse(data) };
          continue; // a comment (keep-alive)
        }
        const { value, done } = await reader.read();
        if (done) throw new Error('stream ended');
        buffer += decoder.decode(value, { stream: true });
      }
    },
    cancel: () => reader.cancel(),
  };
}

/** A scanner stand-in whose scans the test triggers. */
function fakeScanners() {
  const handle: { events?: ScannerEvents } = {};
  const factory = (
    configs: readonly { id: string; type: string }[],
    deps: { events: ScannerEvents },
  ) => {
    handle.events = deps.events;
    return configs.map((c): Scanner => ({
      id: c.id,
      type: c.type,
      start: () => deps.events.onStatus({ id: c.id, type: c.type, status: 'connected' }),
      stop: async () => undefined,
      health: () => ({ id: c.id, type: c.type, status: 'connected' }),
    }));
  };
  return { factory, handle };
}

async function startWebhookReceiver() {
  const received: unknown[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      received.push(JSON.parse(body));
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/turnstile`,
    received,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

describe('SSE events and the turnstile webhook', () => {
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
        scanners: [{ id: 'gate1', type: 'stdin' }],
        turnstile: { webhookUrl: hook.url },
      },
      deps: { createScanners: scanners.factory, sseKeepAliveMs: 50 },
    });
  });
  afterAll(async () => {
    await edge.stop();
    await hook.close();
    await cloud.close();
    tmp.cleanup();
  });

  const subscribe = async () => {
    const res = await fetch(`${edge.url}/v1/events`, {
      headers: { authorization: `Bearer ${API_TOKEN}` },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    return sseReader(res);
  };

  it('streams API and scanner decisions and annulments to every subscriber', async () => {
    const a = await subscribe();
    const b = await subscribe();
    const token = await signer.token(clock);
    const apiDecision = await edge.scan(token, 'api');
    for (const sub of [a, b]) {
      expect(await sub.next()).toEqual({ event: 'decision', data: apiDecision });
      // A grant moves the inside count (gst 1: two people).
      expect(await sub.next()).toEqual({ event: 'occupancy', data: { inside: 2, capacity: null } });
    }
    scanners.handle.events!.onScan({
      scannerId: 'gate1',
      code: 'garbage',
      receivedAt: clock.now(),
    });
    const fromScanner = await a.next();
    expect(fromScanner).toMatchObject({
      event: 'decision',
      data: { gate: 'gate1', reason: 'MALFORMED' },
    });
    await edge.call('POST', `/v1/decisions/${String(apiDecision.eventId)}/annul`);
    expect(await a.next()).toMatchObject({ event: 'annul', data: { annuls: apiDecision.eventId } });
    expect(await a.next()).toEqual({ event: 'occupancy', data: { inside: 0, capacity: null } });
    await a.cancel();
    await b.cancel();
  });

  it('sends keep-alive comments and forgets clients that disconnect', async () => {
    const res = await fetch(`${edge.url}/v1/events`, {
      headers: { authorization: `Bearer ${API_TOKEN}` },
    });
    const reader = res.body!.getReader();
    let text = '';
    while (!text.includes(': keep-alive')) {
      text += new TextDecoder().decode((await reader.read()).value);
    }
    await reader.cancel();
    await expect.poll(() => edge.agent.sseClients(), { timeout: 5000 }).toBe(0);
  });

  it('posts scanner decisions (only those) to the webhook, and counts failures', async () => {
    const before = hook.received.length;
    await edge.scan(await signer.token(clock), 'api');
    const token = await signer.token(clock);
    scanners.handle.events!.onScan({ scannerId: 'gate1', code: token, receivedAt: clock.now() });
    await expect.poll(() => hook.received.length, { timeout: 5000 }).toBe(before + 1);
    expect(hook.received.at(-1)).toMatchObject({ decision: 'grant', gate: 'gate1' });

    await hook.close();
    scanners.handle.events!.onScan({ scannerId: 'gate1', code: 'x', receivedAt: clock.now() });
    await expect
      .poll(
        async () =>
          (await (await edge.call('GET', '/metrics')).text()).match(
            /webhook_failures_total (\d+)/,
          )?.[1],
        {
          timeout: 5000,
        },
      )
      .toBe('1');
    const health = await (await edge.call('GET', '/healthz', undefined, null)).json();
    expect(health).toMatchObject({
      status: 'ok',
      scanners: [{ id: 'gate1', status: 'connected' }],
    });
  });

  it('ends open event streams when the agent stops', async () => {
    const sub = await subscribe();
    const started = Date.now();
    await edge.stop();
    await expect(sub.next()).rejects.toThrow('stream ended');
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
