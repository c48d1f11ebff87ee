import { systemClock, TOPICS } from '@lounge/shared';
import { describe, expect, it, onTestFinished } from 'vitest';
import { startStandIns } from '@lounge/test-helpers/stand-ins';
import { edgeSubsystems } from '../../src/sync/index.ts';
import { DEVICE, ISSUER, makeSigner, startAgent, tempDir } from './fixtures.ts';
import { deviceKeyPair, mqttClient, startAedes, startSyncCloud, until } from './sync-harness.ts';

// The wiring the agent uses: createAgent(config, { subsystems: edgeSubsystems }).
describe('edgeSubsystems', () => {
  it('runs the sync and the uploader inside the agent, from its config', async () => {
    const signer = await makeSigner();
    const keys = await deviceKeyPair();
    const broker = await startAedes();
    const ibdp = await startStandIns({ tokens: { ibdp: 'tok-ibdp' } });
    const cloud = await startSyncCloud({
      issuer: ISSUER,
      deviceKeys: { [DEVICE]: keys.publicJwk },
      jwks: [signer.publicJwk],
      clock: systemClock,
    });
    await cloud.connectBroker(broker.url);
    const tmp = tempDir();
    const observer = await mqttClient(broker.url, 'observer');
    const entries: string[] = [];
    observer.on('message', (t, p) => t.endsWith('/entries') && entries.push(p.toString()));
    await observer.subscribeAsync(TOPICS.allLoungeEntries, { qos: 1 });
    const edge = await startAgent(tmp.dir, cloud.url, {
      clock: systemClock,
      extra: {
        mqtt: { url: broker.url, username: DEVICE, password: 'pw' },
        ibdp: { url: ibdp.urls.ibdp, token: 'tok-ibdp' },
      },
      deps: {
        deviceKey: keys.privateJwk,
        subsystems: (agent) => edgeSubsystems(agent, { version: '9.9.9' }),
      },
    });
    onTestFinished(async () => {
      await edge.stop();
      await observer.endAsync();
      await Promise.all([cloud.close(), ibdp.close(), broker.close()]);
      tmp.cleanup();
    });

    await until(() => edge.agent.health().sync.mqtt === 'connected', 5000, 'connected');
    await cloud.revoke('inv_WIRED', Math.floor(Date.now() / 1000) + 600);
    await until(() => edge.agent.health().sync.revocationSeq === 1, 5000, 'revocation');
    const grant = await edge.scan(await signer.token(systemClock));
    await ibdp.waitFor(() => ibdp.ibdpRecords('access-logs').length === 1, 5000);
    await until(() => entries.some((e) => e.includes(String(grant.eventId))), 5000, 'entry');
    await until(() => edge.agent.health().uploads.pending === 0, 5000, 'marked uploaded');
    const health = edge.agent.health();
    expect(health.uploads.lastUploadAt).not.toBeNull();
    expect(health.sync.lastSyncAt).not.toBeNull();
    const metrics = await edge.agent.metrics.registry.metrics();
    expect(metrics).toMatch(/lounge_edge_mqtt_connected 1/);
    expect(metrics).toMatch(/lounge_edge_upload_records_total 1/);
  });
});
