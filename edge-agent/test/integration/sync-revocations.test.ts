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

// SPEC.md 6 seq rules against an in-process aedes broker and a fake cloud feed.
async function setup(opts: { start?: boolean } = {}) {
  const clock = new ManualClock();
  const tmp = tempDir();
  const signer = await makeSigner();
  const keys = await deviceKeyPair();
  const broker = await startAedes();
  const cloud = await startSyncCloud({
    issuer: ISSUER,
    deviceKeys: { [DEVICE]: keys.publicJwk },
    jwks: [signer.publicJwk],
    clock,
  });
  await cloud.connectBroker(broker.url);
  const edge = await startAgent(tmp.dir, cloud.url, { clock });
  const newSync = () =>
    syncFor(edge.agent, {
      mqttUrl: broker.url,
      cloudUrl: cloud.url,
      deviceKey: keys.privateJwk,
      clock,
    });
  const sync = newSync();
  if (opts.start !== false) {
    sync.start();
    await until(() => sync.health().mqtt === 'connected', 5000, 'MQTT connect');
  }
  onTestFinished(async () => {
    await sync.stop();
    await edge.stop();
    await cloud.close();
    await broker.close();
    tmp.cleanup();
  });
  const exp = () => Math.floor(clock.now() / 1000) + 3600;
  const seq = () => edge.agent.state.invitations.revocationSeq();
  const revoked = (id: string) => edge.agent.state.invitations.stateOf(id).revoked;
  return { clock, signer, broker, cloud, edge, sync, newSync, exp, seq, revoked };
}

describe('revocation sync', () => {
  it('applies the next seq, ignores an old one and catches up over a gap', async () => {
    const { cloud, sync, exp, seq, revoked, signer, clock, edge } = await setup();
    const token = await signer.token(clock);
    const jti = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()).jti;
    await cloud.revoke(jti, exp());
    await until(() => seq() === 1, 5000, 'seq 1');
    expect(await edge.scan(token)).toMatchObject({ decision: 'deny', reason: 'REVOKED' });

    // An old seq (even with another invitation) is ignored.
    const before = cloud.state.feedRequests;
    const msg = {
      seq: 1,
      invitationId: 'inv_OLD',
      revokedAt: '2026-11-25T00:00:00Z',
      reason: 'x',
      exp: exp(),
    };
    await cloud.publisher()!.publishAsync(TOPICS.revocations, JSON.stringify(msg), { qos: 1 });
    // Seqs 2 and 3 never reach MQTT; 4 does: a gap, so the edge pages through the feed.
    await cloud.revoke('inv_B', exp(), false);
    await cloud.revoke('inv_C', exp(), false);
    await cloud.revoke('inv_D', exp());
    await until(() => seq() === 4, 5000, 'seq 4');
    expect(['inv_B', 'inv_C', 'inv_D'].map(revoked)).toEqual([true, true, true]);
    expect(revoked('inv_OLD')).toBe(false);
    expect(cloud.state.feedRequests).toBeGreaterThan(before);
    expect(cloud.state.refused).toBe(0);
    expect(sync.health()).toMatchObject({ revocationSeq: 4, lag: 0, mqtt: 'connected' });
    expect(sync.health().lastSyncAt).not.toBeNull();
  });

  it('catches up when the retained head is ahead, and on every reconnect', async () => {
    const { cloud, broker, seq, revoked, exp, edge } = await setup();
    await cloud.revoke('inv_H1', exp(), false);
    await cloud.revoke('inv_H2', exp(), false);
    await cloud
      .publisher()!
      .publishAsync(TOPICS.revocationsHead, JSON.stringify({ seq: 2 }), { qos: 1, retain: true });
    await until(() => seq() === 2, 5000, 'head catch-up');

    await cloud.revoke('inv_R1', exp(), false);
    broker.kick();
    await until(() => seq() === 3, 5000, 'reconnect catch-up');
    expect(revoked('inv_R1')).toBe(true);
    expect(edge.agent.health().sync.revocationLag).toBe(0);

    // A head the feed cannot serve yet: /healthz shows how far behind the box is.
    await cloud
      .publisher()!
      .publishAsync(TOPICS.revocationsHead, JSON.stringify({ seq: 9 }), { qos: 1, retain: true });
    await until(() => edge.agent.health().sync.revocationLag === 6, 5000, 'lag in /healthz');
  });

  it('an edge down during 100 revocations catches up on start', async () => {
    const { cloud, newSync, seq, edge, exp } = await setup({ start: false });
    for (let i = 1; i <= 100; i++) await cloud.revoke(`inv_DOWN${i}`, exp());
    const sync = newSync();
    onTestFinished(() => sync.stop());
    sync.start();
    await until(() => seq() === 100, 10_000, 'seq 100');
    const rows = edge.agent.state.db.prepare('SELECT count(*) AS n FROM revocations').get();
    expect(rows).toEqual({ n: 100 });
  });

  it('a revocation made while the broker was down arrives after a fresh broker starts', async () => {
    const { cloud, broker, seq, revoked, exp, sync } = await setup();
    await broker.restart(async () => {
      await until(() => sync.health().mqtt === 'disconnected', 5000, 'disconnect');
      // The cloud could not publish: the new broker has no retained head and no session.
      await cloud.revoke('inv_WHILE_DOWN', exp(), false);
    });
    await until(() => seq() === 1, 10_000, 'catch-up after broker restart');
    expect(revoked('inv_WHILE_DOWN')).toBe(true);
  });

  it('drops bad payloads without stopping, refetches keys on lounge/v1/keys', async () => {
    const { cloud, seq, exp, edge } = await setup();
    const pub = cloud.publisher()!;
    const jwksBefore = cloud.state.jwksRequests;
    for (const topic of [TOPICS.revocations, TOPICS.revocationsHead, TOPICS.keys]) {
      await pub.publishAsync(topic, 'not json', { qos: 1 });
      await pub.publishAsync(topic, JSON.stringify({ seq: 'x' }), { qos: 1 });
    }
    await pub.publishAsync(TOPICS.loungeEntries(edge.config.loungeId), '{"admit":1}', { qos: 1 });
    await cloud.revoke('inv_AFTER_GARBAGE', exp());
    await until(() => seq() === 1, 5000, 'seq after garbage');
    await pub.publishAsync(
      TOPICS.keys,
      JSON.stringify({ kids: ['k2'], updatedAt: new Date().toISOString() }),
      { qos: 1, retain: true },
    );
    await until(() => cloud.state.jwksRequests > jwksBefore, 5000, 'JWKS refetch');
  });

  it('drops a retired kid at once: its tokens are UNKNOWN_KEY even while a JWKS still lists it', async () => {
    // SPEC.md 6: the edge drops `retired` kids from the message itself. The fake cloud keeps
    // serving the retired key (an instance that has not seen the retirement, or a JWKS fetch
    // that fails): the refetch on the message must not bring it back.
    const { cloud, edge, signer, clock } = await setup();
    const standby = await makeSigner('kStandby');
    cloud.jwks.push(standby.publicJwk);
    const verify = async (code: string) =>
      (await (await edge.call('POST', '/v1/verify', { code })).json()) as { reason: string };
    const leaked = await signer.token(clock);
    expect(await verify(leaked)).toMatchObject({ reason: 'OK' });
    const jwksBefore = cloud.state.jwksRequests;
    const sent = Date.now();
    await cloud.publisher()!.publishAsync(
      TOPICS.keys,
      JSON.stringify({
        kids: [standby.kid],
        retired: [signer.kid],
        updatedAt: new Date(clock.now()).toISOString(),
      }),
      { qos: 1, retain: true },
    );
    await until(
      async () => (await verify(leaked)).reason === 'UNKNOWN_KEY',
      2000,
      'retired kid dropped',
    );
    const tookMs = Date.now() - sent;
    await until(() => cloud.state.jwksRequests > jwksBefore, 5000, 'JWKS refetch');
    // The refetch (which still lists it) does not bring it back, in memory or in SQLite.
    expect(await verify(leaked)).toMatchObject({ reason: 'UNKNOWN_KEY' });
    expect(edge.agent.state.keys.all().map((k) => k.kid)).not.toContain(signer.kid);
    // The key that signs now (the standby, published before) grants.
    expect(await edge.scan(await standby.token(clock))).toMatchObject({ reason: 'OK' });
    expect(tookMs).toBeLessThan(2000);
  });

  it('publishes a retained online status, {online:false} on stop, and the will on a crash', async () => {
    const { broker, sync, newSync, edge } = await setup();
    const seen: Array<Record<string, unknown>> = [];
    const observer = await mqttClient(broker.url, 'observer');
    onTestFinished(() => observer.endAsync());
    observer.on('message', (_t, p) =>
      seen.push(JSON.parse(p.toString()) as Record<string, unknown>),
    );
    await observer.subscribeAsync(TOPICS.deviceStatus(edge.config.deviceId), { qos: 1 });
    await until(() => seen.some((s) => s.online === true), 5000, 'online status');
    // The heartbeat is the /healthz body plus online, version, kids, storage and at.
    expect(seen.find((s) => s.online === true)).toMatchObject({
      deviceId: edge.config.deviceId,
      loungeId: edge.config.loungeId,
      status: expect.stringMatching(/^(ok|degraded)$/),
      sync: { revocationSeq: 0, revocationLag: 0, mqtt: 'connected' },
      scanners: expect.any(Array),
      uploads: { pending: expect.any(Number) },
      clock: { suspect: expect.any(Boolean) },
      online: true,
      version: 'test',
      kids: expect.any(Array),
      storage: { freeBytes: expect.any(Number) },
      at: expect.any(String),
    });
    await sync.stop();
    await until(() => seen.at(-1)?.online === false, 5000, 'offline status');

    const again = newSync();
    onTestFinished(() => again.stop());
    again.start();
    await until(() => seen.at(-1)?.online === true, 5000, 'online again');
    const beforeKick = seen.length;
    broker.kick(edge.config.deviceId); // no DISCONNECT: the broker publishes the will
    // The box reconnects and publishes a new heartbeat soon after: look for the will itself.
    const will = () => seen.slice(beforeKick).find((s) => s.online === false);
    await until(() => will() !== undefined, 5000, 'will');
    expect(Object.keys(will()!).sort()).toEqual(['at', 'online']);
  });

  it('prunes revocations whose token expired more than clockSkewSeconds ago', async () => {
    const { cloud, sync, seq, clock, revoked } = await setup();
    const now = Math.floor(clock.now() / 1000);
    await cloud.revoke('inv_OLD_EXP', now - 121);
    await cloud.revoke('inv_IN_SKEW', now - 60);
    await until(() => seq() === 2, 5000, 'seq 2');
    expect(sync.prune()).toBe(1);
    expect([revoked('inv_OLD_EXP'), revoked('inv_IN_SKEW')]).toEqual([false, true]);
  });
});
