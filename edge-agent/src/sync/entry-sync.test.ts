import type { LoungeEvent } from '@lounge/shared';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { EntrySync, type EntryPort } from './entry-sync.ts';

const ME = 'dev_01JD0000000000000000000001';
const event = (eventId: string, deviceId = ME): LoungeEvent => ({
  type: 'grant',
  eventId,
  deviceId,
  gate: 'g1',
  at: '2026-11-25T12:00:00Z',
  invitationId: 'inv_1',
  admit: 1,
  reason: 'OK',
});

function setup(publish: (payload: string) => Promise<void>) {
  const outbox = [1, 2, 3].map((id) => ({ id, event: event(`evt_${id}`), sent: false }));
  const received: LoungeEvent[] = [];
  const refused: string[] = [];
  // Stands in for the state's checks: our own events echo, a bad one is refused.
  const port: EntryPort = {
    applyLoungeEvent: (raw) => {
      const e = raw as LoungeEvent;
      if (e.deviceId === ME) return 'echo';
      if (e.type !== 'grant') return { refused: 'INVALID_EVENT', detail: 'type' };
      received.push(e);
      return 'applied';
    },
    pendingEntries: (limit) => outbox.filter((o) => !o.sent).slice(0, limit),
    markEntryPublished: (id) => void (outbox.find((o) => o.id === id)!.sent = true),
  };
  const sync = new EntrySync({
    port,
    deviceId: ME,
    topic: 't',
    publish: (_t, p) => publish(p),
    log: pino({ level: 'silent' }),
    onRefused: (code) => refused.push(code),
  });
  return { sync, outbox, received, refused };
}

describe('EntrySync', () => {
  it("applies other gates' events, ignores our echo, counts refused ones", () => {
    const { sync, received, refused } = setup(async () => undefined);
    sync.onMessage(event('evt_9', 'dev_01JD0000000000000000000002'));
    sync.onMessage(event('evt_10'));
    sync.onMessage({ eventId: 'evt_11' });
    expect(received.map((e) => e.eventId)).toEqual(['evt_9']);
    expect(refused).toEqual(['INVALID_EVENT']);
  });

  it('marks an event sent only on PUBACK, and publishes nothing while disconnected', async () => {
    const sent: string[] = [];
    let up = false;
    const { sync, outbox } = setup(async (p) => {
      if (!up) throw new Error('not connected');
      sent.push((JSON.parse(p) as LoungeEvent).eventId);
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
