// A real edge enrolled with a real cloud through the enrolment flow (SPEC.md 5 and 7), with
// its MQTT sync (and IBDP uploader when configured) running as in `lounge-edge`.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Ed25519PrivateJwk } from '@lounge/shared';
import { exportJWK, generateKeyPair } from 'jose';
import pino from 'pino';
import { createAgent, parseConfig, type Agent } from '@lounge/edge-agent';
import { edgeSubsystems } from '@lounge/edge-agent/sync';
import { tempDir } from '@lounge/edge-agent/test-support';
import { LOUNGE_ID, type BenchCloud } from './cloud.ts';

export const EDGE_API_TOKEN = 'bench-edge-api-token-0123456789';

/** Enrols a device and starts its agent with the sync subsystem; `stop()` removes it all. */
export async function startEnrolledEdge(bench: BenchCloud, mqttUrl?: string) {
  const t = await bench.api('POST', '/v1/enrollment-tokens', { loungeId: LOUNGE_ID });
  const { token } = (await t.json()) as { token: string };
  const { privateKey, publicKey } = await generateKeyPair('EdDSA', { extractable: true });
  const res = await fetch(`${bench.url}/v1/devices/enroll`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ publicKey: await exportJWK(publicKey), name: 'bench' }),
  });
  if (res.status !== 201 && res.status !== 200) throw new Error(`enroll answered ${res.status}`);
  const e = (await res.json()) as {
    deviceId: string;
    issuer: string;
    mqtt: { url: string; username: string; password: string };
  };
  const tmp = tempDir();
  const deviceKey = (await exportJWK(privateKey)) as Ed25519PrivateJwk;
  writeFileSync(join(tmp.dir, 'device-key.json'), JSON.stringify(deviceKey), { mode: 0o600 });
  const { config } = parseConfig(
    {
      deviceId: e.deviceId,
      loungeId: LOUNGE_ID,
      cloudUrl: bench.url,
      issuer: e.issuer,
      deviceKeyFile: 'device-key.json',
      mqtt: { ...e.mqtt, ...(mqttUrl && { url: mqttUrl }) },
      dataDir: 'state',
      api: { host: '127.0.0.1', port: 0, token: EDGE_API_TOKEN },
    },
    tmp.dir,
  );
  const log = pino(
    { base: { service: 'lounge-edge' } },
    pino.destination({ dest: '/dev/null', sync: false }),
  );
  const agent: Agent = createAgent(config, {
    log,
    deviceKey,
    defaultMetrics: false,
    subsystems: (a) => edgeSubsystems(a),
  });
  const started = performance.now();
  const { url } = await agent.start();
  return {
    agent,
    url,
    startedAt: started,
    async stop() {
      await agent.stop();
      tmp.cleanup();
    },
  };
}
