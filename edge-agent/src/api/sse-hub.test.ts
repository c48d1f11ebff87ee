import { get, ServerResponse, type IncomingMessage } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { setImmediate as turn } from 'node:timers/promises';
import { serve, type ServerType } from '@hono/node-server';
import { Hono } from 'hono';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SseHub } from './sse-hub.ts';

// The hub writes to the Node response itself, so these run over a real socket:
// hono's app.request() has no Node response to write to.
const servers: ServerType[] = [];
const sockets: Socket[] = [];
afterEach(() => {
  for (const s of sockets.splice(0)) s.destroy();
  for (const s of servers.splice(0)) s.close();
});

async function listen(hub: SseHub): Promise<number> {
  const app = new Hono();
  app.get('/events', (c) => hub.handle(c, { 'x-extra': 'yes' }));
  const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 });
  servers.push(server);
  await new Promise((resolve) => server.once('listening', resolve));
  return (server.address() as AddressInfo).port;
}

/** A subscriber that reads everything: its response and the text so far. */
async function reader(port: number) {
  const res = await new Promise<IncomingMessage>((resolve) =>
    get({ port, path: '/events' }, resolve),
  );
  sockets.push(res.socket);
  const got = { res, text: '', ended: false };
  res.setEncoding('utf8');
  res.on('data', (s: string) => (got.text += s));
  res.on('end', () => (got.ended = true));
  res.on('error', () => undefined);
  return got;
}

/** A connection that asks for the stream, reads its first bytes, then never reads again. */
function stalled(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    sockets.push(socket);
    socket.once('data', (chunk: Buffer) => {
      socket.pause();
      resolve(chunk.toString('latin1'));
    });
    socket.write('GET /events HTTP/1.1\r\nHost: edge\r\n\r\n');
  });
}

const decision = (i: number, pad = 300) => ({
  decision: 'grant',
  reason: 'OK',
  eventId: `evt_${i}`,
  pad: 'x'.repeat(pad),
});
const frames = (text: string) => text.split('event: decision\n').length - 1;

describe('SseHub', () => {
  it('writes the head and a first comment, then each event as one frame', async () => {
    const hub = new SseHub();
    const r = await reader(await listen(hub));
    expect(r.res.statusCode).toBe(200);
    expect(r.res.headers).toMatchObject({
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      'x-extra': 'yes',
    });
    await expect.poll(() => r.text).toBe(': connected\n\n');
    hub.broadcast('decision', decision(1));
    hub.broadcast('annul', { eventId: 'evt_1' });
    await expect
      .poll(() => r.text)
      .toBe(
        `: connected\n\nevent: decision\ndata: ${JSON.stringify(decision(1))}\n\n` +
          `event: annul\ndata: {"eventId":"evt_1"}\n\n`,
      );
  });

  it('serialises an event once for every subscriber, and not at all for none', async () => {
    const hub = new SseHub();
    let serialised = 0;
    const data = { toJSON: () => (serialised++, decision(1)) };
    hub.broadcast('decision', data);
    expect(serialised).toBe(0);
    const port = await listen(hub);
    const readers = [await reader(port), await reader(port)];
    hub.broadcast('decision', data);
    for (const r of readers) await expect.poll(() => frames(r.text)).toBe(1);
    expect(serialised).toBe(1);
    expect(readers[0]!.text).toBe(readers[1]!.text);
  });

  it('drops a subscriber whose unsent bytes pass the bound; readers get everything', async () => {
    const hub = new SseHub({ maxBufferedBytes: 64 * 1024 });
    const port = await listen(hub);
    const fast = await reader(port);
    await stalled(port);
    expect(hub.size).toBe(2);
    // The kernel's socket buffers take a few MB before the stalled one's bytes wait in Node.
    let sent = 0;
    while (hub.droppedSlow === 0 && sent < 4000) {
      hub.broadcast('decision', decision(sent++, 16 * 1024));
      await turn();
    }
    expect(hub.droppedSlow).toBe(1);
    expect(hub.size).toBe(1);
    await expect.poll(() => frames(fast.text), { timeout: 10_000 }).toBe(sent);
  });

  it('writes a lone frame at once and a burst together, no sooner than minGapMs after the last', async () => {
    const hub = new SseHub({ minGapMs: 300 });
    const port = await listen(hub);
    const fast = await reader(port);
    const writes = vi.spyOn(ServerResponse.prototype, 'write');
    try {
      const t0 = performance.now();
      hub.broadcast('decision', decision(0, 10));
      await expect.poll(() => frames(fast.text)).toBe(1);
      expect(performance.now() - t0).toBeLessThan(200);
      for (let i = 1; i <= 10; i++) {
        hub.broadcast('decision', decision(i, 10));
        await turn();
      }
      await expect.poll(() => frames(fast.text)).toBe(11);
      // Two writes to the one subscriber: the lone frame, then the burst of ten in one.
      expect(writes.mock.calls.length).toBe(2);
      expect(performance.now() - t0).toBeGreaterThanOrEqual(290);
    } finally {
      writes.mockRestore();
    }
  });

  it('answers 503 TOO_MANY_SUBSCRIBERS beyond the limit, and takes one again when one leaves', async () => {
    const hub = new SseHub({ maxSubscribers: 2 });
    const port = await listen(hub);
    const first = await reader(port);
    const second = await reader(port);
    const refused = await fetch(`http://127.0.0.1:${port}/events`);
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('5');
    expect(refused.headers.get('content-type')).toContain('application/problem+json');
    expect(((await refused.json()) as { code: string }).code).toBe('TOO_MANY_SUBSCRIBERS');
    first.res.destroy(); // the client goes away
    await expect.poll(() => hub.size).toBe(1);
    const third = await reader(port);
    expect(third.res.statusCode).toBe(200);
    hub.closeAll(); // agent stop: every stream ends
    expect(hub.size).toBe(0);
    await expect.poll(() => second.ended && third.ended).toBe(true);
  });
});
