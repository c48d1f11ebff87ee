import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualTimers } from '@lounge/shared';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMemoryPublisher } from '../../src/broker/publisher.ts';
import type { CrmEvent, IbdpDataset } from '../../src/integrations/ports.ts';
import { createDispatcher, type Dispatcher } from '../../src/outbox/dispatcher.ts';
import { ibdpRow, mqttRow } from '../../src/outbox/events.ts';
import { createStore } from '../../src/store/index.ts';
import type { CloudStore, OutboxEventInput } from '../../src/store/port.ts';

let dir: string;
let store: CloudStore;
let dispatcher: Dispatcher | undefined;
let n = 0;
// The dispatcher's clock and timers: back-offs and wake-ups are fake time, the store is real.
let time: ManualTimers;
const now = () => time.clock.now();

beforeEach(async () => {
  time = new ManualTimers();
  dir = mkdtempSync(join(tmpdir(), 'cloud-outbox-'));
  store = await createStore(`sqlite:${join(dir, 'cloud.db')}`, { log: pino({ level: 'silent' }) });
  await store.migrate();
});
afterEach(async () => {
  await dispatcher?.stop();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Commits outbox rows in one transaction (riding on a signing-key insert, the simplest). */
async function commit(rows: OutboxEventInput[]): Promise<void> {
  n++;
  await store.insertSigningKey(
    {
      kid: `k${n}`,
      publicJwk: '{}',
      sealedPrivateKey: 'x',
      createdAt: 0,
      activatesAt: 0,
      lastTokenExp: null,
      retiredAt: null,
    },
    rows,
  );
}

/** Lets the lanes finish what they can without moving time (SQLite here is synchronous). */
const settle = () => new Promise((r) => setImmediate(r));

/**
 * Moves fake time from timer to timer, letting the lanes run in between, until `check` holds;
 * fails if that takes more than `withinMs` of fake time. The default stays under the 60 s poll
 * the dispatchers here use, so only a notify or a retry wake-up can make `check` hold.
 */
async function until(check: () => boolean | Promise<boolean>, withinMs = 10_000): Promise<void> {
  const end = now() + withinMs;
  for (;;) {
    await settle();
    if (await check()) return;
    const next = time.delays()[0];
    if (next === undefined || now() + next > end) throw new Error(`not within ${withinMs} ms`);
    time.runNext();
  }
}

function start(to: Parameters<typeof createDispatcher>[0]['to'], canDeliver?: () => boolean) {
  dispatcher = createDispatcher({
    store,
    to,
    clock: time.clock,
    timers: time,
    log: pino({ level: 'silent' }),
    worker: 'w1',
    pollMs: 60_000, // only notify wakes it: proves the hot path does not poll
    backoff: { baseMs: 5, maxMs: 20 },
    // Mid-range jitter: a back-off of 0 (full jitter can draw it) makes a retry due at once,
    // before a test's next step, and would make the scenarios below depend on the draw.
    random: () => 0.5,
    ...(canDeliver ? { canDeliver: { mqtt: canDeliver } } : {}),
  });
  dispatcher.start();
  return dispatcher;
}

const noCrm = { send: async (_e: CrmEvent) => {} };
const noIbdp = { ingest: async () => {}, health: async () => true };

describe('outbox dispatcher', () => {
  it('delivers on notify, in creation order, and retries a broker that failed', async () => {
    const publisher = createMemoryPublisher();
    publisher.failing = true;
    const d = start({ crm: noCrm, ibdp: noIbdp, publisher });
    await commit([1, 2, 3].map((seq) => mqttRow('lounge/v1/revocations', { seq }, false, now())));
    d.notify();
    await until(async () => (await store.outboxBacklog()).mqtt === 3);
    publisher.failing = false;
    // The failed rows come due after their backoff and the lane wakes for them by itself.
    await until(() => publisher.messages.length === 3);
    expect(publisher.messages.map((m) => JSON.parse(m.payload).seq)).toEqual([1, 2, 3]);
    expect((await store.outboxBacklog()).mqtt).toBe(0);
  });

  it('claims nothing while the broker is known to be down', async () => {
    const publisher = createMemoryPublisher();
    let up = false;
    start({ crm: noCrm, ibdp: noIbdp, publisher }, () => up);
    await commit([mqttRow('lounge/v1/keys', { kids: [] }, true, now())]);
    time.advance(300);
    await settle();
    expect(publisher.messages).toEqual([]);
    up = true;
    await until(() => publisher.messages.length === 1);
    expect(publisher.messages[0]!.retain).toBe(true);
  });

  it('wakes when a row held back by notBefore comes due, not at the next poll', async () => {
    // The `keys` message of a retirement waits 1 s for every instance to serve the new JWKS;
    // edges must drop the key within 2 s, so the 60 s poll may not be what delivers it.
    const publisher = createMemoryPublisher();
    const d = start({ crm: noCrm, ibdp: noIbdp, publisher });
    const dueAt = now() + 300;
    await commit([{ ...mqttRow('lounge/v1/keys', { kids: [] }, true, now()), notBefore: dueAt }]);
    d.notify(dueAt);
    await until(() => publisher.messages.length === 1);
    expect(now()).toBeGreaterThanOrEqual(dueAt);
    expect(now() - dueAt).toBeLessThan(1000);
  });

  it('sends IBDP records in one batch per dataset with a batch id stable across retries', async () => {
    const calls: { dataset: IbdpDataset; batchId: string; count: number }[] = [];
    let fail = true;
    const ibdp = {
      async ingest(dataset: IbdpDataset, batchId: string, records: readonly object[]) {
        calls.push({ dataset, batchId, count: records.length });
        if (fail) throw new Error('IBDP down');
      },
      health: async () => true,
    };
    const d = start({ crm: noCrm, ibdp, publisher: createMemoryPublisher() });
    await commit([
      ibdpRow('invitations', { change: 'issued' }, now()),
      ibdpRow('invitations', { change: 'revoked' }, now()),
    ]);
    d.notify();
    await until(() => calls.length >= 1);
    const failures = calls.length;
    fail = false;
    await until(async () => (await store.outboxBacklog()).ibdp === 0);
    // Retried (by itself, on the backoff) with the same members, hence the same batch id.
    expect(calls.length).toBeGreaterThan(failures);
    expect(calls[0]).toMatchObject({ dataset: 'invitations', count: 2 });
    expect(calls.every((c) => c.count === 2)).toBe(true);
    expect(new Set(calls.map((c) => c.batchId)).size).toBe(1);
  });

  it('wakes for every failed row when it comes due, not only the earliest', async () => {
    const sent: string[] = [];
    let failures = 2;
    const crm = {
      async send(e: CrmEvent) {
        if (failures > 0) {
          failures--;
          throw new Error('CRM down');
        }
        sent.push(e.invitationId);
      },
    };
    // A fails first and is due in 400 ms; B fails next and is due in 50 ms. The poll is a
    // minute: only the retry wake-ups can deliver both.
    const delays = [1, 0.125];
    dispatcher = createDispatcher({
      store,
      to: { crm, ibdp: noIbdp, publisher: createMemoryPublisher() },
      clock: time.clock,
      timers: time,
      log: pino({ level: 'silent' }),
      worker: 'w1',
      pollMs: 60_000,
      backoff: { baseMs: 400, maxMs: 400 },
      random: () => delays.shift() ?? 1,
    });
    dispatcher.start();
    const row = (invitationId: string): OutboxEventInput => ({
      id: `evt_${invitationId}`,
      kind: 'crm',
      payload: JSON.stringify({ invitationId }),
      createdAt: now(),
    });
    await commit([row('inv_A')]);
    dispatcher.notify();
    await until(() => failures === 1);
    await commit([row('inv_B')]);
    dispatcher.notify();
    await until(() => sent.length === 2);
    expect(sent).toEqual(['inv_B', 'inv_A']);
  });

  it('retries an IBDP batch with the same members while new rows arrive: each record stored once', async () => {
    // IBDP stores the batch but answers after the client gave up (SPEC.md 5: the key is the
    // batch id); meanwhile more rows come due.
    const stored = new Map<string, string[]>();
    let timeouts = 2;
    const ibdp = {
      async ingest(_dataset: IbdpDataset, batchId: string, records: readonly object[]) {
        if (!stored.has(batchId)) {
          stored.set(
            batchId,
            records.map((r) => (r as { eventId: string }).eventId),
          );
        }
        if (timeouts > 0) {
          timeouts--;
          throw new Error('no answer within 2000 ms');
        }
      },
      health: async () => true,
    };
    const d = start({ crm: noCrm, ibdp, publisher: createMemoryPublisher() });
    const rows = (k: number) =>
      Array.from({ length: k }, () => ibdpRow('invitations', { change: 'issued' }, now()));
    await commit(rows(3));
    d.notify();
    await until(() => timeouts < 2);
    // Written by another instance (no notify here) while the first batch waits out its
    // back-off (time stands still until `until` moves it): its retry is the claim that finds
    // them.
    await commit(rows(2));
    await until(() => timeouts === 0);
    // Again during the first batch's second back-off.
    await commit(rows(2));
    await until(async () => (await store.outboxBacklog()).ibdp === 0);
    // The first batch kept its 3 members through both retries; each arrival formed its own.
    expect([...stored.values()].map((ids) => ids.length)).toEqual([3, 2, 2]);
    const all = [...stored.values()].flat();
    expect(all).toHaveLength(7);
    expect(new Set(all).size).toBe(7);
  });

  it('stops with a pass in flight without waiting out a poll, and starts again', async () => {
    const publisher = createMemoryPublisher();
    await commit([mqttRow('lounge/v1/keys', { kids: [1] }, true, now())]);
    const d = start({ crm: noCrm, ibdp: noIbdp, publisher }); // its first pass claims the row
    await d.stop(); // fake time stands still: only the stop itself may end the waits
    expect(publisher.messages).toHaveLength(1);
    d.start();
    await commit([mqttRow('lounge/v1/keys', { kids: [2] }, true, now())]);
    d.notify();
    await until(() => publisher.messages.length === 2);
  });

  it('publishes revocations in seq order whatever the writers’ clocks, the head once per run', async () => {
    const publisher = createMemoryPublisher();
    // Three instances wrote seqs 1..6 with clocks that disagree by a few ms.
    const rows = [3, 1, 2, 6, 4, 5].flatMap((seq) => [
      {
        ...mqttRow('lounge/v1/revocations', { seq }, false, now() - seq),
        orderKey: 'revocations',
        orderSeq: seq * 2,
      },
      {
        ...mqttRow('lounge/v1/revocations/head', { seq }, true, now() - seq),
        orderKey: 'revocations',
        orderSeq: seq * 2 + 1,
      },
    ]);
    await commit(rows);
    start({ crm: noCrm, ibdp: noIbdp, publisher }).notify();
    await until(async () => (await store.outboxBacklog()).mqtt === 0);
    const seqs = (topic: string) =>
      publisher.messages
        .filter((m) => m.topic === topic)
        .map((m) => (JSON.parse(m.payload) as { seq: number }).seq);
    expect(seqs('lounge/v1/revocations')).toEqual([1, 2, 3, 4, 5, 6]);
    expect(seqs('lounge/v1/revocations/head')).toEqual([6]);
  });
});
