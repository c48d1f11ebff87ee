import type { EntryEvent } from '@lounge/shared';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { EntrySync, type EntryPort } from './entry-sync.ts';

const ME = 'dev_01JD0000000000000000000001';
const event = (eventId: string, deviceId = ME): EntryEvent => ({
  eventId,
  invitationId: 'inv_1',
  deviceId,
  gate: 'g1',
  admit: 1,
  at: '2026-11-25T12:00:00Z',
});

function setup(publish: (payload: string) => Promise<void>) {
  const outbox = [1, 2, 3].map((id) => ({ id, event: event(`evt_${id}`), sent: false }));
  const received: EntryEvent[] = [];
  const port: EntryPort = {
    applyEntryEvent: (e) => (received.push(e), 'applied'),
    pendingEntries: (limit) => outbox.filter((o) => !o.sent).slice(0, limit),
    markEntryPublished: (id) => void (outbox.find((o) => o.id === id)!.sent = true),
  };
  const sync = new EntrySync({
    port,
    deviceId: ME,
    topic: 't',
    publish: (_t, p) => publish(p),
    log: pino({ level: 'silent' }),
  });
  return { sync, outbox, received };
}

describe('EntrySync', () => {
  it("applies other gates' events, ignores our echo and bad payloads", () => {
    const { sync, received } = setup(async () => undefined);
    sync.onMessage(event('evt_9', 'dev_01JD0000000000000000000002'));
    sync.onMessage(event('evt_10'));
    sync.onMessage({ eventId: 'evt_11' });
    expect(received.map((e) => e.eventId)).toEqual(['evt_9']);
  });

  it('marks an event sent only on PUBACK, and publishes nothing while disconnected', async () => {
    const sent: string[] = [];
    let up = false;
    const { sync, outbox } = setup(async (p) => {
      if (!up) throw new Error('not connected');
      sent.push((JSON.parse(p) as EntryEvent).eventId);
    });
    await sync.drain();
    expect(sent).toEqual([]);
    sync.setConnected(true); // the link says up, but the first publish fails
    await sync.drain();
    expect(outbox.every((o) => !o.sent)).toBe(true);
    up = true;
    await sync.drain();
    expect(sent).toEqual(['evt_1', 'evt_2', 'evt_3']);
    expect(outbox.every((o) => o.sent)).toBe(true);
  });
});
