// `npx tsx --conditions=source bench/sse-fanout.ts [hub-module | ''] [turns]`: what the edge's SSE hub costs per
// decision with 16 live `GET /v1/events` subscribers (docs/performance.md "SSE subscribers").
// Each turn broadcasts a decision and its occupancy, as a scan does, to 16 readers in a process
// of their own (the sse-load test's fixture) over loopback; the figure is this process's CPU
// (user and system) per turn. `hub-module` (default: the current hub) lets an older
// `sse-hub.ts`, saved beside the current one (it imports `./problems.ts`), be measured the same way.
import { fork } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setImmediate as turn } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import type { SseHub } from '../edge-agent/src/api/sse-hub.ts';

const READERS = 16;
const WARM = 300;
const hubModule =
  process.argv[2] || new URL('../edge-agent/src/api/sse-hub.ts', import.meta.url).href;
const turns = Number(process.argv[3] ?? 3000);
const { SseHub: Hub } = (await import(
  hubModule.startsWith('file:') ? hubModule : pathToFileURL(resolve(hubModule)).href
)) as { SseHub: new () => SseHub };

const hub = new Hub();
const app = new Hono();
app.get('/events', (c) => hub.handle(c));
const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 });
await new Promise((done) => server.once('listening', done));
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/events`;
const readers = fork(new URL('../edge-agent/test/fixtures/sse-readers.mjs', import.meta.url), [
  url,
  'bench',
  String(READERS),
]);
await new Promise((done) => readers.once('message', done));

const decision = {
  decision: 'grant',
  reason: 'OK',
  invitationId: 'inv_0123456789abcdef',
  admit: 2,
  entriesLeft: 0,
  validUntil: '2026-12-01T23:00:00.000Z',
  gate: 'api',
  eventId: 'evt_0123456789abcdefghij',
  decidedAt: '2026-12-01T20:00:00.000Z',
  offline: false,
};
const run = async (n: number) => {
  for (let i = 0; i < n; i++) {
    hub.broadcast('decision', decision);
    hub.broadcast('occupancy', { inside: i, capacity: null });
    await turn(); // the hub writes in the turn after (its flush)
    await turn();
  }
};
await run(WARM);
const cpu0 = process.cpuUsage();
const t0 = performance.now();
await run(turns);
const cpu = process.cpuUsage(cpu0);
const wall = performance.now() - t0;
const frames = await new Promise<number[]>((done) => {
  readers.once('message', (m) => done((m as { frames: number[] }).frames));
  readers.send('count');
});
const us = (v: number) => (v / turns).toFixed(1);
console.log(
  `${READERS} subscribers: ${us(cpu.user + cpu.system)} µs CPU per decision ` +
    `(user ${us(cpu.user)}, system ${us(cpu.system)}), ${us(wall * 1000)} µs wall; ` +
    `every reader got ${Math.min(...frames)} of ${WARM + turns} decisions`,
);
readers.kill();
server.close();
