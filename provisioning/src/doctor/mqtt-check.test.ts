import { createServer, type Server } from 'node:net';
import { describe, expect, it } from 'vitest';
import type { Fetch } from '../cloud-client.ts';
import type { EdgeConfig } from '../edge-config.ts';
import { mqttCheck } from './mqtt-check.ts';

const DEVICE = 'dev_01JD0000000000000000000001';

/** A broker stand-in that only counts TCP connections: doctor must open none. */
async function countingBroker(): Promise<{
  server: Server;
  url: string;
  connections: () => number;
}> {
  let n = 0;
  const server = createServer((s) => {
    n++;
    s.destroy();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  return { server, url: `mqtt://127.0.0.1:${port}`, connections: () => n };
}

const configFor = (mqttUrl: string) =>
  ({
    deviceId: DEVICE,
    mqtt: { url: mqttUrl, username: DEVICE, password: 'pw' },
    api: { host: '0.0.0.0', port: 8081, token: 'agent-token' },
  }) as unknown as EdgeConfig;

/** The agent's `/healthz` as a fake fetch, recording what was asked. */
function agent(body: unknown | Error) {
  const asked: { url: string; auth: string | undefined }[] = [];
  const fetch = (async (url: string, init?: { headers?: Record<string, string> }) => {
    asked.push({ url: String(url), auth: init?.headers?.authorization });
    if (body instanceof Error) throw body;
    return new Response(JSON.stringify(body), { headers: { 'content-type': 'application/json' } });
  }) as unknown as Fetch;
  return { fetch, asked };
}

describe('doctor mqtt check', () => {
  it("reads the agent's /healthz and never logs in to the broker as the box", async () => {
    const broker = await countingBroker();
    try {
      const a = agent({ deviceId: DEVICE, sync: { mqtt: 'connected' } });
      expect(await mqttCheck(configFor(broker.url), a.fetch)).toEqual({
        name: 'mqtt',
        ok: true,
        detail: `the agent is connected to ${broker.url}`,
      });
      expect(a.asked).toEqual([
        { url: 'http://127.0.0.1:8081/healthz', auth: 'Bearer agent-token' },
      ]);
      const down = agent({ deviceId: DEVICE, sync: { mqtt: 'disconnected' } });
      const result = await mqttCheck(configFor(broker.url), down.fetch);
      expect(result).toMatchObject({
        ok: false,
        detail: `the agent is not connected to ${broker.url}`,
      });
      expect(result.hint).toMatch(/firewall/);
      expect(broker.connections()).toBe(0);
    } finally {
      broker.server.close();
    }
  });

  it('fails with a hint when the agent does not answer, or is another device', async () => {
    const refused = Object.assign(new TypeError('fetch failed'), {
      cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
    });
    const stopped = await mqttCheck(configFor('mqtt://broker:1883'), agent(refused).fetch);
    expect(stopped).toMatchObject({ ok: false });
    expect(stopped.detail).toMatch(
      /does not answer on http:\/\/127\.0\.0\.1:8081\/healthz \(ECONNREFUSED\)/,
    );
    expect(stopped.hint).toMatch(/systemctl start lounge-edge/);
    const other = agent({
      deviceId: 'dev_01JD0000000000000000000009',
      sync: { mqtt: 'connected' },
    });
    expect(await mqttCheck(configFor('mqtt://broker:1883'), other.fetch)).toMatchObject({
      ok: false,
      detail: expect.stringContaining('is device dev_01JD0000000000000000000009'),
    });
  });
});
