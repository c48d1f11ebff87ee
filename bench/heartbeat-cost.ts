// `npx tsx --conditions=source bench/heartbeat-cost.ts [postgres://…]`: what one device heartbeat costs the cloud
// (SPEC.md 6; docs/performance.md "Heartbeats"). 1,000 enrolled devices; each heartbeat goes
// through the subscriber's path (statusWrite → one UPDATE), then the copy a second instance
// receives (a no-op UPDATE), then a scrape's fleet summary. SQLite by default.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ManualClock } from '@lounge/shared';
import { pino } from 'pino';
import { fleetSummaryReader, statusWrite } from '@lounge/cloud';
import { createStore } from '@lounge/cloud/store';

const DEVICES = 1000;
const ROUNDS = 5;
const dir = mkdtempSync(join(tmpdir(), 'heartbeat-cost-'));
const url = process.argv[2] ?? `sqlite:${join(dir, 'cloud.db')}`;
const clock = new ManualClock(Date.UTC(2026, 10, 25, 12, 0, 0));
const store = await createStore(url, { log: pino({ level: 'silent' }), clock });
await store.migrate();

const ids: string[] = [];
for (let i = 0; i < DEVICES; i++) {
  const deviceId = `dev_bench${String(i).padStart(6, '0')}`;
  await store.insertEnrollmentToken({
    id: `enr_${i}`,
    hash: 'h',
    loungeId: 'MAD-T4S-VELAZQUEZ',
    expiresAt: clock.now() + 3600_000,
    usedAt: null,
    usedByDevice: null,
    createdAt: clock.now(),
  });
  await store.enrollDevice(
    `enr_${i}`,
    {
      deviceId,
      loungeId: 'MAD-T4S-VELAZQUEZ',
      name: 'box',
      hardware: null,
      publicJwk: '{}',
      mqttPasswordHash: 'x',
      enrolledAt: clock.now(),
      lastSeenAt: null,
      online: false,
      revocationSeq: 0,
      decommissionedAt: null,
      heartbeat: null,
      heartbeatAt: null,
    },
    clock.now(),
  );
  ids.push(deviceId);
}

/** A realistic heartbeat (~900 bytes): two scanners, an upload error. */
const beat = (deviceId: string) => ({
  status: 'ok' as const,
  deviceId,
  loungeId: 'MAD-T4S-VELAZQUEZ',
  sync: {
    revocationSeq: 1234,
    revocationLag: 0,
    lastSyncAt: new Date(clock.now()).toISOString(),
    mqtt: 'connected',
  },
  scanners: [
    { id: 'gate1', type: 'serial', status: 'connected' },
    { id: 'gate2', type: 'hid-pos', status: 'connected' },
  ],
  uploads: {
    pending: 2,
    oldestPendingAt: new Date(clock.now() - 2000).toISOString(),
    lastUploadAt: new Date(clock.now() - 1000).toISOString(),
    lastError: {
      at: new Date(clock.now() - 60_000).toISOString(),
      status: 503,
      detail: 'HTTP 503 Service Unavailable',
    },
  },
  clock: { suspect: false, skewSeconds: 0.4 },
  online: true as const,
  version: '1.4.0',
  kids: ['3fK9x2Qa', 'Vb7QmZ1c'],
  storage: { freeBytes: 12_884_901_888 },
  at: new Date(clock.now()).toISOString(),
});

const perOp = (ms: number, n: number) => `${((ms * 1000) / n).toFixed(0)} µs`;
let first = 0;
let copies = 0;
let n = 0;
for (let round = 0; round < ROUNDS; round++) {
  clock.advance(60_000);
  const writes = ids.map((id) => [id, statusWrite(beat(id), false, clock.now())] as const);
  let t = performance.now();
  for (const [id, w] of writes) await store.recordDeviceStatus(id, w);
  first += performance.now() - t;
  t = performance.now();
  for (const [id, w] of writes) await store.recordDeviceStatus(id, w);
  copies += performance.now() - t;
  n += ids.length;
}
const summary = fleetSummaryReader({ store, clock }, 0);
const t = performance.now();
for (let i = 0; i < 10; i++) await summary();
const scrape = (performance.now() - t) / 10;
console.log(`store: ${url.split(':')[0]}, ${DEVICES} devices, ${n} heartbeats`);
console.log(`heartbeat, first instance (one UPDATE): ${perOp(first, n)} each`);
console.log(`heartbeat, another instance's copy (no-op UPDATE): ${perOp(copies, n)} each`);
console.log(`fleet gauges at scrape (read + summarize ${DEVICES}): ${scrape.toFixed(1)} ms`);
const busy = (first / n) * (1000 / 60);
console.log(
  `1,000 boxes every 60 s = ${(1000 / 60).toFixed(1)} heartbeats/s: the subscriber busy ` +
    `${busy.toFixed(1)} ms per second (${(busy / 10).toFixed(2)} %)`,
);
await store.close();
rmSync(dir, { recursive: true, force: true });
