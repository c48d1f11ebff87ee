import { describe, expect, it } from 'vitest';
import { SseHub } from './sse-hub.ts';

const request = () => ({ req: { raw: new Request('http://edge/v1/events') } });
const decision = (i: number) => ({
  decision: 'grant',
  reason: 'OK',
  eventId: `evt_${i}`,
  pad: 'x'.repeat(300),
});

describe('SseHub', () => {
  it('drops a subscriber that stops reading once its buffer is full; readers get everything', async () => {
    const hub = new SseHub({ maxBufferedBytes: 4096 });
    const fast = hub.handle(request()).body!.getReader();
    const slow = hub.handle(request()).body!.getReader();
    await fast.read(); // ': connected'
    await slow.read();
    const decoder = new TextDecoder();
    let got = '';
    for (let i = 0; i < 100; i++) {
      hub.broadcast('decision', decision(i));
      got += decoder.decode((await fast.read()).value);
    }
    expect(got.split('event: decision\n').length - 1).toBe(100);
    expect(hub.size).toBe(1);
    expect(hub.droppedSlow).toBe(1);
    // The slow one's stream errors: its buffer is gone with it.
    await expect(slow.read()).rejects.toThrow('too slow');
  });

  it('serialises a decision once: every subscriber gets the same bytes', async () => {
    const hub = new SseHub();
    const readers = [hub.handle(request()), hub.handle(request())].map((r) => r.body!.getReader());
    for (const r of readers) await r.read();
    hub.broadcast('decision', decision(1));
    const [a, b] = await Promise.all(readers.map(async (r) => (await r.read()).value));
    expect(a).toBe(b);
    expect(new TextDecoder().decode(a)).toBe(
      `event: decision\ndata: ${JSON.stringify(decision(1))}\n\n`,
    );
  });

  it('answers 503 TOO_MANY_SUBSCRIBERS beyond the limit, and takes one again when one leaves', async () => {
    const hub = new SseHub({ maxSubscribers: 2 });
    const first = hub.handle(request());
    hub.handle(request());
    const refused = hub.handle(request());
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('5');
    expect(((await refused.json()) as { code: string }).code).toBe('TOO_MANY_SUBSCRIBERS');
    await first.body!.cancel();
    expect(hub.size).toBe(1);
    expect(hub.handle(request()).status).toBe(200);
    hub.closeAll();
    expect(hub.size).toBe(0);
  });
});
