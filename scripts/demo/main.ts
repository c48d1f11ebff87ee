import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import QRCode from 'qrcode';
import { childEnv } from '@lounge/test-helpers/child-env';
import { startChild, type Child } from './children.ts';
import { subscribeDecisions } from './events.ts';
import { pickPort, portFromEnv } from './ports.ts';
import {
  decisionLine,
  invitationBlock,
  otherEventLine,
  servicesBlock,
  tryNextBlock,
} from './print.ts';
import { DEMO_STAFF, enrolEdge, loadAdminKey } from './provision.ts';
import { cloudApi, edgeApiToken, edgeIbdpUrl, LOUNGE, waitForOk } from './setup.ts';
import { watchUploads } from './uploads.ts';

/**
 * `npm start` (SPEC.md section 9): the cloud with stub integrations and its embedded broker,
 * one edge agent enrolled through the real `lounge-provision enroll`, a sample invitation.
 * The flow reads top to bottom; docs/architecture.md explains what each step exercises.
 */

const ROOT = resolve(import.meta.dirname, '../..');
const BIN = {
  cloud: join(ROOT, 'cloud/bin/lounge-cloud.js'),
  edge: join(ROOT, 'edge-agent/bin/lounge-edge.js'),
  provision: join(ROOT, 'provisioning/bin/lounge-provision.js'),
};
const STOP_GRACE_MS = 3_000;
const START_TIMEOUT_MS = 60_000;

const env = process.env;
const out = (text: string) => process.stdout.write(`${text}\n`);

// 1. A data folder and three ports on loopback.
const givenDir = env.LOUNGE_DEMO_DIR;
const dir = givenDir ? resolve(givenDir) : mkdtempSync(join(tmpdir(), 'lounge-demo-'));
const keep = Boolean(givenDir) || env.LOUNGE_DEMO_KEEP === '1';
const logs = join(dir, 'logs');
for (const sub of ['cloud', 'edge', 'logs']) mkdirSync(join(dir, sub), { recursive: true });

const children: Child[] = [];
const sse = new AbortController();
let stopping = false;

/** Stops every child (SIGTERM, SIGKILL after a grace period), tidies up, exits. */
async function shutdown(code: number, message?: string): Promise<never> {
  if (stopping) return new Promise<never>(() => {}); // the first caller exits
  stopping = true;
  if (message) process.stderr.write(`lounge demo: ${message}\n`);
  sse.abort();
  // Edge first in spirit, but in parallel: each is bounded by the grace period anyway.
  await Promise.all([...children].reverse().map((c) => c.stop(STOP_GRACE_MS)));
  // A child that failed keeps the folder: the error line points into its logs.
  if (!keep && (code === 0 || children.length === 0)) rmSync(dir, { recursive: true, force: true });
  else out(`lounge demo: kept ${dir}`);
  process.exit(code);
}

/** A long-running child; its early exit stops the demo with a line naming its log. */
function start(child: Child): Child {
  children.push(child);
  void child.exited.then((how) => {
    if (!stopping)
      void shutdown(1, `the ${child.name} exited early (${how}); see its log: ${child.logFile}`);
  });
  return child;
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    out(`\nlounge demo: ${signal}, stopping…`);
    void shutdown(0);
  });
}

async function main(): Promise<void> {
  const taken = new Set<number>();
  const ports = {
    cloud: await pickPort(portFromEnv(env, 'LOUNGE_DEMO_CLOUD_PORT', 18080), taken),
    broker: await pickPort(portFromEnv(env, 'LOUNGE_DEMO_MQTT_PORT', 18830), taken),
    edge: await pickPort(portFromEnv(env, 'LOUNGE_DEMO_EDGE_PORT', 18081), taken),
    console: await pickPort(portFromEnv(env, 'LOUNGE_DEMO_CONSOLE_PORT', 18088), taken),
  };
  for (const [name, p] of Object.entries(ports)) {
    if (p.fellBack)
      out(`lounge demo: port ${p.preferred} is taken; the ${name} uses ${p.port} instead`);
  }
  const cloudUrl = `http://127.0.0.1:${ports.cloud.port}`;
  const edgeUrl = `http://127.0.0.1:${ports.edge.port}`;
  const consoleUrl = `http://127.0.0.1:${ports.console.port}/`;
  out(`lounge demo: starting in ${dir}`);

  // 2. The cloud: stub airline, SQLite in the folder, embedded MQTT broker.
  out(`lounge demo: starting the cloud on ${cloudUrl} (stub airline, embedded broker)…`);
  const adminKey = loadAdminKey(dir);
  const cloud = start(
    startChild({
      name: 'cloud',
      script: BIN.cloud,
      args: ['serve'],
      cwd: dir,
      logFile: join(logs, 'cloud.log'),
      env: {
        ...childEnv(env),
        HOST: '127.0.0.1',
        PORT: String(ports.cloud.port),
        PUBLIC_URL: cloudUrl,
        MQTT_PORT: String(ports.broker.port),
        DATABASE_URL: `sqlite:${join(dir, 'cloud', 'cloud.db')}`,
        INTEGRATIONS: 'stub',
        BOOTSTRAP_ADMIN_KEY: adminKey,
      },
    }),
  );
  await waitForOk(`${cloudUrl}/readyz`, {
    fetch,
    timeoutMs: START_TIMEOUT_MS,
    what: `the cloud (log: ${cloud.logFile})`,
    gone: cloud.exited,
  });

  // 3. The lounge, then an edge box enrolled the way a field technician does it.
  out(`lounge demo: enrolling an edge box with lounge-provision enroll…`);
  const api = cloudApi(cloudUrl, adminKey, fetch);
  await api.putLounge();
  const appKey = await api.createAppKey();
  const edgeConfig = join(dir, 'edge', 'config.json');
  const deviceId = await enrolEdge({
    bin: BIN.provision,
    cloudUrl,
    token: await api.enrollmentToken(),
    config: edgeConfig,
    dataDir: join(dir, 'edge', 'data'),
    apiPort: ports.edge.port,
    consolePort: ports.console.port,
    logFile: join(logs, 'provision.log'),
    cwd: dir,
    env: childEnv(env),
  });
  out(`lounge demo: starting the edge agent on ${edgeUrl}…`);
  const edge = start(
    startChild({
      name: 'edge agent',
      script: BIN.edge,
      args: ['--config', edgeConfig],
      cwd: dir,
      logFile: join(logs, 'edge.log'),
      env: childEnv(env),
      stdin: 'pipe',
    }),
  );
  await waitForOk(`${edgeUrl}/healthz`, {
    fetch,
    timeoutMs: START_TIMEOUT_MS,
    what: `the edge agent (log: ${edge.logFile})`,
    gone: edge.exited,
  });
  const edgeToken = await edgeApiToken(edgeConfig);
  // The IBDP stand-in sits under a path prefix (/stub/ibdp), as an airline gateway puts it.
  const ibdpUrl = await edgeIbdpUrl(edgeConfig);
  watchUploads(`${edgeUrl}/healthz`, out, { fetch, signal: sse.signal, ibdpUrl });
  await subscribeDecisions(
    `${edgeUrl}/v1/events`,
    edgeToken,
    {
      onDecision: (d) => out(decisionLine(d)),
      onOther: (e) => out(otherEventLine(e.event, e.data)),
    },
    { fetch, signal: sse.signal },
  );

  // 4. One invitation, issued the way the customer app asks for it.
  const today = new Date().toISOString().slice(0, 10);
  const invitation = await api.issueSample(appKey, today);
  out('');
  out(
    servicesBlock([
      { name: 'cloud', url: cloudUrl, pid: cloud.pid, log: cloud.logFile },
      {
        name: 'broker',
        url: `mqtt://127.0.0.1:${ports.broker.port}`,
        pid: cloud.pid,
        log: cloud.logFile,
      },
      { name: `edge ${deviceId}`, url: edgeUrl, pid: edge.pid, log: edge.logFile },
      { name: 'ibdp (stand-in)', url: ibdpUrl, pid: cloud.pid, log: cloud.logFile },
      { name: 'desk console', url: consoleUrl, pid: edge.pid, log: edge.logFile },
    ]),
  );
  out(`desk console: open ${consoleUrl} and sign in as ${DEMO_STAFF.name}, PIN ${DEMO_STAFF.pin}`);
  out('');
  out(
    invitationBlock(
      invitation,
      await QRCode.toString(invitation.token, { type: 'terminal', small: true }),
    ),
  );
  out('');
  // 5. What to try next, with this run's real ports and keys.
  out(
    tryNextBlock(
      {
        cloudUrl,
        edgeUrl,
        appKey,
        adminKey,
        edgeToken,
        loungeId: LOUNGE.id,
        today,
        dir,
      },
      invitation,
    ),
  );

  // 6. Every pasted line goes to the edge's stdin scanner; decisions come back over SSE.
  const stdin = edge.stdin;
  createInterface({ input: process.stdin, terminal: false }).on('line', (line) => {
    if (!stopping && stdin?.writable) stdin.write(`${line}\n`);
  });
  stdin?.on('error', () => {}); // a closed pipe shows up as the edge's exit instead
}

main().catch((err: unknown) => {
  if (stopping) return;
  const failed = children.find((c) => c.hasExited());
  const message = failed
    ? `the ${failed.name} stopped while starting; see its log: ${failed.logFile}`
    : err instanceof Error
      ? err.message
      : String(err);
  void shutdown(1, message);
});
