import { ManualClock, TOPICS } from '@lounge/shared';
import { describe, expect, it, onTestFinished } from 'vitest';
import { DEVICE, ISSUER, makeSigner, startAgent, tempDir } from './fixtures.ts';
import {
  deviceKeyPair,
  mqttClient,
  startAedes,
  startSyncCloud,
  syncFor,
  until,
} from './sync-harness.ts';

const DEVICE_B = 'dev_01JD0000000000000000000002';

// Anti-passback across gates (SPEC.md 6 and 8): two edges of one lounge share entry events.
async function twoEdges() {
  const clock = new ManualClock();
  const signer = await makeSigner();
  const [ka, kb] = [await deviceKeyPair(), await deviceKeyPair()];
  const broker = await startAedes();
  const cloud = await startSyncCloud({
    issuer: ISSUER,
    deviceKeys: { [DEVICE]: ka.publicJwk, [DEVICE_B]: kb.publicJwk },
    jwks: [signer.publicJwk],
    clock,
  });
  const [ta, tb] = [tempDir(), tempDir()];
  const a = await startAgent(ta.dir, cloud.url, { clock });
  const b = await startAgent(tb.dir, cloud.url, { clock, extra: { deviceId: DEVICE_B } });
  const common = { mqttUrl: broker.url, cloudUrl: cloud.url, clock };
  // A reconnects slower than B and the observer (200 ms), so they are listening when A's
  // backlog goes: its first retry is drawn from [0, 1.5 s] (full jitter), so the draw is pinned
  // to the end of that window (drawn as it came, it was first back about one time in six).
  const syncA = syncFor(a.agent, {
    ...common,
    deviceKey: ka.privateJwk,
    reconnect: { baseMs: 1500, maxMs: 1500 },
    random: () => 0.999,
  });
  const syncB = syncFor(b.agent, {
    ...common,
    deviceKey: kb.privateJwk,
    registry: b.agent.metrics.registry,
  });
  const observed: string[] = [];
  const observer = await mqttClient(broker.url, 'observer');
  observer.on('message', (_t, p) =>
    observed.push((JSON.parse(p.toString()) as { eventId: string }).eventId),
  );
  await observer.subscribeAsync(TOPICS.loungeEntries(a.config.loungeId), { qos: 1 });
  syncA.start();
  syncB.start();
  await until(
    () => syncA.health().mqtt === 'connected' && syncB.health().mqtt === 'connected',
    5000,
    'both connected',
  );
  onTestFinished(async () => {
    await Promise.all([syncA.stop(), syncB.stop(), observer.endAsync()]);
    await Promise.all([a.stop(), b.stop()]);
    await cloud.close();
    await broker.close();
    ta.cleanup();
    tb.cleanup();
  });
  return { clock, signer, broker, a, b, syncA, syncB, observed };
}

describe('entry events across the gates of a lounge', () => {
  it('a grant on edge A makes edge B deny ALREADY_USED; an annulment on A gives it back', async () => {
    const { clock, signer, a, b, syncA } = await twoEdges();
    const token = await signer.token(clock);
    const grant = await a.scan(token, 'gateA');
    expect(grant).toMatchObject({ decision: 'grant' });
    syncA.wake();
    const consumed = () =>
      b.agent.state.invitations.stateOf(String(grant.invitationId)).entriesUsed;
    await until(() => consumed() === 1, 5000, 'entry on B');
    expect(await b.scan(token, 'gateB')).toMatchObject({
      decision: 'deny',
      reason: 'ALREADY_USED',
    });

    const annul = await a.call('POST', `/v1/decisions/${String(grant.eventId)}/annul`);
    expect(annul.status).toBe(200);
    await until(() => consumed() === 0, 5000, 'annulment on B');
    expect(await b.scan(token, 'gateB')).toMatchObject({ decision: 'grant' });
    // A counts B's grant in turn; its own echo was not counted twice.
    const onA = () => a.agent.state.invitations.stateOf(String(grant.invitationId)).entriesUsed;
    await until(() => onA() === 1, 5000, "B's grant on A");
  });

  it('ignores and counts lounge events that fail the checks of POST /v1/entries', async () => {
    const { clock, signer, broker, a, b, syncA } = await twoEdges();
    const token = await signer.token(clock);
    const grant = await a.scan(token, 'gateA');
    syncA.wake();
    const consumed = () =>
      b.agent.state.invitations.stateOf(String(grant.invitationId)).entriesUsed;
    await until(() => consumed() === 1, 5000, 'entry on B');
    // A box of the lounge that lies (the broker lets any device of the lounge publish here).
    const liar = await mqttClient(broker.url, 'liar');
    onTestFinished(() => liar.endAsync());
    const at = new Date(clock.now()).toISOString();
    const base = { deviceId: 'dev_01JD0000000000000000000003', gate: 'g9', at };
    const attacks = [
      // admit -1 used to give the entry back
      {
        ...base,
        type: 'grant',
        eventId: 'evt_01JD0000000000000000000091',
        invitationId: grant.invitationId,
        admit: -1,
        reason: 'OK',
      },
      // an annul of A's grant sent by another device
      { ...base, type: 'annul', eventId: 'evt_01JD0000000000000000000092', annuls: grant.eventId },
      // B named as the author of an annul it never made
      {
        ...base,
        deviceId: DEVICE_B,
        type: 'annul',
        eventId: 'evt_01JD0000000000000000000093',
        annuls: grant.eventId,
      },
    ];
    const topic = TOPICS.loungeEntries(a.config.loungeId);
    for (const e of attacks) await liar.publishAsync(topic, JSON.stringify(e), { qos: 1 });
    const refused = async () => {
      const m = await b.agent.metrics.registry
        .getSingleMetric('lounge_edge_lounge_events_refused_total')
        ?.get();
      return Object.fromEntries((m?.values ?? []).map((v) => [v.labels.code, v.value]));
    };
    for (let i = 0; i < 500 && Object.keys(await refused()).length < 3; i++) {
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(await refused()).toEqual({ INVALID_EVENT: 1, UNKNOWN_GRANT: 1, WRONG_DEVICE: 1 });
    expect(consumed()).toBe(1);
    expect(await b.scan(token, 'gateB')).toMatchObject({
      decision: 'deny',
      reason: 'ALREADY_USED',
    });
  });

  it('publishes each grant once, also those made while the broker was down', async () => {
    const { clock, signer, broker, a, syncA, observed } = await twoEdges();
    const before = await a.scan(await signer.token(clock));
    await until(() => observed.includes(String(before.eventId)), 5000, 'first grant');
    const during: string[] = [];
    await broker.restart(async () => {
      await until(() => syncA.health().mqtt === 'disconnected', 5000, 'A disconnected');
      for (let i = 0; i < 3; i++)
        during.push(String((await a.scan(await signer.token(clock))).eventId));
      expect(a.agent.state.outbox.pendingCount()).toBe(3);
    });
    await until(() => a.agent.state.outbox.pendingCount() === 0, 10_000, 'outbox drained');
    await until(() => during.every((id) => observed.includes(id)), 5000, 'grants observed');
    await new Promise((r) => setTimeout(r, 300)); // room for a duplicate to show up
    const counts = new Map<string, number>();
    for (const id of observed) counts.set(id, (counts.get(id) ?? 0) + 1);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    expect(counts.size).toBe(4);
  });
});
