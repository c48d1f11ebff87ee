import { describe, expect } from 'vitest';
import { API_TOKEN, type TestAgent } from './fixtures.ts';
import { edgeTest } from './edge-test.ts';

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

edgeTest.override(
  'setup',
  { scope: 'file' },
  { scanners: ['gate1'], webhook: true, deps: { sseKeepAliveMs: 50 } },
);

describe('SSE events and the turnstile webhook', () => {
  const subscribe = async (edge: TestAgent) => {
    const res = await fetch(`${edge.url}/v1/events`, {
      headers: { authorization: `Bearer ${API_TOKEN}` },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    return sseReader(res);
  };

  edgeTest(
    'streams API and scanner decisions and annulments to every subscriber',
    async ({ edge, signer, clock, scanners }) => {
      const a = await subscribe(edge);
      const b = await subscribe(edge);
      const token = await signer.token(clock);
      const apiDecision = await edge.scan(token, 'api');
      for (const sub of [a, b]) {
        expect(await sub.next()).toEqual({ event: 'decision', data: apiDecision });
        // A grant moves the inside count (gst 1: two people).
        expect(await sub.next()).toEqual({
          event: 'occupancy',
          data: { inside: 2, capacity: null },
        });
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
      expect(await a.next()).toMatchObject({
        event: 'annul',
        data: { annuls: apiDecision.eventId },
      });
      expect(await a.next()).toEqual({ event: 'occupancy', data: { inside: 0, capacity: null } });
      await a.cancel();
      await b.cancel();
    },
  );

  edgeTest('sends keep-alive comments and forgets clients that disconnect', async ({ edge }) => {
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

  edgeTest(
    'posts scanner decisions (only those) to the webhook, and counts failures',
    async ({ edge, signer, clock, scanners, webhook }) => {
      const before = webhook.received.length;
      await edge.scan(await signer.token(clock), 'api');
      const token = await signer.token(clock);
      scanners.handle.events!.onScan({ scannerId: 'gate1', code: token, receivedAt: clock.now() });
      await expect.poll(() => webhook.received.length, { timeout: 5000 }).toBe(before + 1);
      expect(webhook.received.at(-1)).toMatchObject({ decision: 'grant', gate: 'gate1' });

      await webhook.close();
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
    },
  );

  edgeTest('ends open event streams when the agent stops', async ({ edge }) => {
    const sub = await subscribe(edge);
    const started = Date.now();
    await edge.stop();
    await expect(sub.next()).rejects.toThrow('stream ended');
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
