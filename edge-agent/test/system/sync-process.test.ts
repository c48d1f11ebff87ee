import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { systemClock, TOPICS } from '@lounge/shared';
import { describe, expect, it, onTestFinished } from 'vitest';
import { startMosquitto } from '@lounge/test-helpers/mosquitto';
import { spawnProcess } from '@lounge/test-helpers/process';
import { DEVICE, ISSUER, makeSigner, rawConfig, tempDir } from '../integration/fixtures.ts';
import { deviceKeyPair, mqttClient, startSyncCloud, until } from '../integration/sync-harness.ts';

const bin = fileURLToPath(new URL('../../bin/lounge-edge.js', import.meta.url));

// The real lounge-edge process on mosquitto: will on kill -9, catch-up after the restart.
describe('lounge-edge sync across kill -9', () => {
  it('publishes its will when killed and catches up on every revocation after a restart', async () => {
    const broker = await startMosquitto();
    const signer = await makeSigner();
    const keys = await deviceKeyPair();
    const cloud = await startSyncCloud({
      issuer: ISSUER,
      deviceKeys: { [DEVICE]: keys.publicJwk },
      jwks: [signer.publicJwk],
      clock: systemClock,
    });
    await cloud.connectBroker(broker.url);
    const tmp = tempDir();
    const statuses: Array<{ online: boolean; sync?: { revocationSeq?: number } }> = [];
    const observer = await mqttClient(broker.url, 'observer');
    observer.on('message', (_t, p) => statuses.push(JSON.parse(p.toString()) as never));
    await observer.subscribeAsync(TOPICS.deviceStatus(DEVICE), { qos: 1 });
    onTestFinished(async () => {
      await observer.endAsync();
      await cloud.close();
      await broker.stop();
      tmp.cleanup();
    });

    const config = join(tmp.dir, 'config.json');
    const mqtt = { url: broker.url, username: DEVICE, password: 'pw' };
    writeFileSync(config, JSON.stringify(rawConfig(tmp.dir, cloud.url, { mqtt })));
    writeFileSync(join(tmp.dir, 'device-key.json'), JSON.stringify(keys.privateJwk), {
      mode: 0o600,
    });
    const start = async () => {
      const p = await spawnProcess(process.execPath, [bin, '--config', config], {
        readyLine: /lounge-edge started/,
        timeoutMs: 30_000,
      });
      const line = await p.waitForLine(/lounge-edge started/);
      return { p, url: (JSON.parse(line) as { url: string }).url };
    };
    const seqOf = async (url: string) =>
      ((await (await fetch(`${url}/healthz`)).json()) as { sync: { revocationSeq: number } }).sync
        .revocationSeq;
    const waitSeq = async (url: string, want: number) => {
      const deadline = Date.now() + 15_000;
      let seq = 0;
      while ((seq = await seqOf(url)) < want && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 50));
      }
      return seq;
    };

    const first = await start();
    await until(() => statuses.at(-1)?.online === true, 15_000, 'online');
    await cloud.revoke('inv_P1', Math.floor(Date.now() / 1000) + 600);
    expect(await waitSeq(first.url, 1)).toBe(1);
    await first.p.killHard();
    await until(() => statuses.at(-1)?.online === false, 15_000, 'will');

    const exp = Math.floor(Date.now() / 1000) + 600;
    for (let i = 2; i <= 11; i++) await cloud.revoke(`inv_P${i}`, exp); // queued in the session
    await cloud.revoke('inv_P12', exp, false); // only in the feed
    const second = await start();
    expect(await waitSeq(second.url, 12)).toBe(12);
    // The heartbeat tells the cloud the seq it caught up to (on change, at most every 5 s).
    await until(
      () => statuses.some((s) => s.online && s.sync?.revocationSeq === 12),
      15_000,
      'a heartbeat with seq 12',
    );
    await second.p.kill();
    // A clean stop publishes the same `{online:false, at}` as the will (SPEC.md 6).
    await until(() => statuses.at(-1)?.online === false, 15_000, 'offline on stop');
  });
});
