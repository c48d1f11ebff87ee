// SPEC.md 10, propagation: revoke call returns -> the edge denies, over a real mosquitto with a
// real cloud (MQTT_URL) and an enrolled edge running its MQTT sync. Floor: a bare MQTT QoS 1
// publish -> receive through the same broker.
import Database from 'better-sqlite3';
import mqtt from 'mqtt';
import { startMosquitto } from '@lounge/test-helpers/mosquitto';
import { which } from '@lounge/test-helpers/tools';
import { LOUNGE_ID, startBenchCloud } from './lib/cloud.ts';
import { EDGE_API_TOKEN, startEnrolledEdge } from './lib/enrolled-edge.ts';
import { p99Figure, type Figure } from './lib/report.ts';
import { waitUntil } from './lib/stats.ts';

const TITLE = 'revocation propagation: revoke returns -> edge denies (mosquitto)';

/** Issues `n` invitations and returns their ids and tokens (read from the cloud's store). */
async function issue(bench: Awaited<ReturnType<typeof startBenchCloud>>, n: number) {
  const date = new Date().toISOString().slice(0, 10);
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const res = await bench.api(
      'POST',
      '/v1/invitations',
      { customerId: `IB${3_000_000 + i}`, loungeId: LOUNGE_ID, flight: { number: 'IB1234', date } },
      { 'idempotency-key': `prop-${i}` },
    );
    if (res.status !== 201) throw new Error(`issue answered ${res.status}: ${await res.text()}`);
    ids.push(((await res.json()) as { id: string }).id);
  }
  const db = new Database(bench.dbFile, { readonly: true });
  const get = db.prepare('SELECT token FROM invitations WHERE id = ?');
  const out = ids.map((id) => ({ id, token: (get.get(id) as { token: string }).token }));
  db.close();
  return out;
}

/** Runs the figure (skipped with a reason when mosquitto is not installed). */
export async function runPropagationBench(quick: boolean): Promise<Figure[]> {
  if (!which('mosquitto')) {
    return [
      {
        id: 'propagation',
        title: TITLE,
        unit: 'ms p99',
        value: null,
        note: 'skipped: mosquitto not installed',
      },
    ];
  }
  const n = quick ? 10 : 50;
  const broker = await startMosquitto();
  const bench = await startBenchCloud({ MQTT_URL: broker.url });
  const edge = await startEnrolledEdge(bench, broker.url);
  const pub = await mqtt.connectAsync(broker.url, { clientId: 'bench-floor-pub' });
  const sub = await mqtt.connectAsync(broker.url, { clientId: 'bench-floor-sub' });
  try {
    await waitUntil(() => edge.agent.health().sync.mqtt === 'connected', 15_000, 20);
    const invs = await issue(bench, n);
    let got: (() => void) | undefined;
    sub.on('message', () => got?.());
    await sub.subscribeAsync('bench/floor', { qos: 1 });
    const samples: number[] = [];
    const floor: number[] = [];
    let denied = 0;
    for (const inv of invs) {
      const arrived = new Promise<void>((r) => (got = r));
      const f0 = performance.now();
      await pub.publishAsync('bench/floor', JSON.stringify({ seq: 1, invitationId: inv.id }), {
        qos: 1,
      });
      await arrived;
      floor.push(performance.now() - f0);

      const res = await bench.api('POST', `/v1/invitations/${inv.id}/revoke`, { reason: 'bench' });
      const t0 = performance.now(); // the revoke call has returned
      if (!res.ok) throw new Error(`revoke answered ${res.status}`);
      await waitUntil(() => edge.agent.state.invitations.stateOf(inv.id).revoked, 10_000, 1);
      samples.push(performance.now() - t0);
      const v = await fetch(`${edge.url}/v1/verify`, {
        method: 'POST',
        headers: { authorization: `Bearer ${EDGE_API_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ code: inv.token }),
      });
      if (((await v.json()) as { reason: string }).reason === 'REVOKED') denied++;
    }
    return [
      p99Figure({
        id: 'propagation',
        title: TITLE,
        floorLabel: 'bare MQTT QoS 1 publish -> receive p99',
        targetMs: 100,
        subject: samples,
        floor,
        detail: { revocations: n, deniedRevoked: denied },
      }),
    ];
  } finally {
    await pub.endAsync();
    await sub.endAsync();
    await edge.stop();
    await bench.stop();
    await broker.stop();
  }
}
