import { ManualClock, TOPICS, type LoungeConfig } from '@lounge/shared';
import { expect, onTestFinished } from 'vitest';
import { DEVICE, ISSUER, makeSigner, startAgent, tempDir, type TestAgent } from './fixtures.ts';
import { deviceKeyPair, startSyncCloud, syncFor, until } from './sync-harness.ts';

const DEVICE_B = 'dev_01JD0000000000000000000002';

const CONFIG: LoungeConfig = {
  capacity: 6,
  hours: null,
  timezone: 'Europe/Madrid',
  updatedAt: '2026-11-01T00:00:00.000Z',
};

/**
 * Two boxes of one lounge on `brokerUrl` (aedes in integration, mosquitto in system tests):
 * grants on one and exits on the other give one inside count on both; LOUNGE_FULL once the
 * capacity is reached, and the desk override (SPEC.md 8, occupancy).
 */
export async function twoBoxesShareOccupancy(brokerUrl: string): Promise<void> {
  const clock = new ManualClock();
  const signer = await makeSigner();
  const [ka, kb] = [await deviceKeyPair(), await deviceKeyPair()];
  const cloud = await startSyncCloud({
    issuer: ISSUER,
    deviceKeys: { [DEVICE]: ka.publicJwk, [DEVICE_B]: kb.publicJwk },
    jwks: [signer.publicJwk],
    clock,
  });
  // The boxes start with no config held: they read it from the cloud (GET /v1/lounges/:id).
  cloud.lounge.config = CONFIG;
  const [ta, tb] = [tempDir(), tempDir()];
  const a = await startAgent(ta.dir, cloud.url, { clock });
  const b = await startAgent(tb.dir, cloud.url, { clock, extra: { deviceId: DEVICE_B } });
  const common = { mqttUrl: brokerUrl, cloudUrl: cloud.url, clock, drainIntervalMs: 50 };
  const syncA = syncFor(a.agent, { ...common, deviceKey: ka.privateJwk });
  const syncB = syncFor(b.agent, { ...common, deviceKey: kb.privateJwk });
  onTestFinished(async () => {
    await Promise.all([syncA.stop(), syncB.stop()]);
    await Promise.all([a.stop(), b.stop()]);
    await cloud.close();
    ta.cleanup();
    tb.cleanup();
  });
  syncA.start();
  syncB.start();
  await until(
    () => syncA.health().mqtt === 'connected' && syncB.health().mqtt === 'connected',
    10_000,
    'both connected',
  );
  const both = async (inside: number, capacity: number | null, what: string) => {
    const seen = () => [a.agent.occupancy(), b.agent.occupancy()];
    await until(
      () => seen().every((o) => o.inside === inside && o.capacity === capacity),
      10_000,
      `${what}: ${JSON.stringify(seen())}`,
    );
  };
  const scan = async (box: TestAgent, gst: number) => box.scan(await signer.token(clock, { gst }));
  const wake = () => {
    syncA.wake();
    syncB.wake();
  };

  await both(0, 6, 'config from the cloud');
  expect(await scan(a, 1)).toMatchObject({ reason: 'OK', admit: 2 });
  expect(await scan(a, 1)).toMatchObject({ reason: 'OK', admit: 2 });
  wake();
  await both(4, 6, "A's grants");
  expect(await scan(b, 1)).toMatchObject({ reason: 'OK', admit: 2 });
  wake();
  await both(6, 6, "B's grant");

  // Full on both boxes: nothing consumed.
  const full = await scan(a, 0);
  expect(full).toMatchObject({ decision: 'deny', reason: 'LOUNGE_FULL' });
  expect(b.agent.state.invitations.stateOf(String(full.invitationId)).entriesUsed).toBe(0);
  expect(await scan(b, 0)).toMatchObject({ reason: 'LOUNGE_FULL' });

  // Exits counted by B's turnstile make room on A.
  const exit = await b.call('POST', '/v1/passages', {
    direction: 'exit',
    count: 3,
    passageId: 'x1',
  });
  expect(await exit.json()).toEqual({ inside: 3, capacity: 6 });
  wake();
  await both(3, 6, "B's exits");
  expect(await scan(a, 2)).toMatchObject({ reason: 'OK', admit: 3 });
  wake();
  await both(6, 6, 'refilled');

  // The desk overrides a LOUNGE_FULL on B; staff correct the count on A.
  const code = await signer.token(clock, { gst: 1 });
  expect(await b.scan(code)).toMatchObject({ reason: 'LOUNGE_FULL' });
  const over = await b.agent.admitOverCapacity({ code, staff: 'ana', reason: 'connection' });
  expect(over).toMatchObject({ decision: 'grant', reason: 'OVERRIDE', staff: 'ana' });
  wake();
  await both(8, 6, 'override');
  a.agent.adjust({ staff: 'luis', delta: -1 });
  wake();
  await both(7, 6, 'adjust');

  // A new capacity reaches both boxes on the retained config topic.
  await cloud.connectBroker(brokerUrl);
  const config = { ...CONFIG, capacity: 10, updatedAt: '2026-11-02T00:00:00.000Z' };
  await cloud
    .publisher()!
    .publishAsync(TOPICS.loungeConfig(a.config.loungeId), JSON.stringify(config), {
      qos: 1,
      retain: true,
    });
  await both(7, 10, 'new capacity');
  expect(await scan(a, 2)).toMatchObject({ reason: 'OK' });
}
