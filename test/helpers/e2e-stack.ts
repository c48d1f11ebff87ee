import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { childEnv } from './child-env.ts';
import { poll, stopGracefully, type Json } from './e2e-clients.ts';
import { startMosquitto, type MosquittoBroker } from './mosquitto.ts';
import { freePort } from './ports.ts';
import { spawnProcess, type SpawnedProcess } from './process.ts';
import { openPtyPair, type PtyPair } from './pty.ts';
import { startStandIns, type StandIns } from './stand-ins.ts';

const ROOT = resolve(import.meta.dirname, '../..');
/** The three bins, run as real processes through their tsx loader. */
export const BIN = {
  cloud: join(ROOT, 'cloud/bin/lounge-cloud.js'),
  edge: join(ROOT, 'edge-agent/bin/lounge-edge.js'),
  provision: join(ROOT, 'provisioning/bin/lounge-provision.js'),
};

/** Everything around the edge agent: airline stand-ins, mosquitto, the cloud, a pty, a turnstile. */
export interface E2eStack {
  dir: string;
  standIns: StandIns;
  mosquitto: MosquittoBroker;
  pty: PtyPair;
  cloud: SpawnedProcess;
  cloudUrl: string;
  adminKey: string;
  ibdpToken: string;
  /** Where the turnstile webhook listens, and the bodies it received in order. */
  turnstile: { url: string; posted: Json[] };
  /** Runs `lounge-provision ARGS` to completion; its stdout lines, or a throw with its stderr. */
  provision(args: string[]): Promise<string[]>;
  /** Stops what was started, in reverse. Safe twice. */
  stop(): Promise<void>;
}

/** Our bins' environment: the caller's minus cloud and edge settings, info logs (ready lines). */
export const binEnv = (): NodeJS.ProcessEnv => ({ ...childEnv(process.env), LOG_LEVEL: 'info' });

/** The last `n` lines a process printed (stdout, then stderr), to print when a test fails. */
export const tail = (name: string, p: SpawnedProcess | undefined, n = 30): string =>
  p ? `--- ${name}\n${[...p.stdoutLines.slice(-n), ...p.stderrLines.slice(-n)].join('\n')}` : '';

/**
 * Starts the stand-ins (IBDP requires `ibdpToken`), mosquitto with dynamic security, a socat
 * pty, a recording turnstile webhook and `lounge-cloud serve` (SQLite, `MQTT_DYNSEC=1`), and
 * waits until the cloud's `/readyz` answers 200. A failure stops whatever had started.
 */
export async function startE2eStack(): Promise<E2eStack> {
  const closers: (() => Promise<unknown>)[] = [];
  const stop = async () => {
    for (const close of closers.splice(0).reverse()) await close().catch(() => undefined);
  };
  try {
    const dir = mkdtempSync(join(tmpdir(), 'lounge-e2e-'));
    closers.push(async () => rmSync(dir, { recursive: true, force: true }));
    const ibdpToken = 'e2e-ibdp-token';
    const standIns = await startStandIns({ tokens: { ibdp: ibdpToken } });
    closers.push(() => standIns.close());
    const dynsec = { adminUser: 'lounge-cloud', adminPassword: 'e2e-dynsec-admin-secret' };
    const mosquitto = await startMosquitto({ dynsec });
    closers.push(() => mosquitto.stop());
    const pty = await openPtyPair();
    closers.push(() => pty.kill());
    const turnstile = await startTurnstile();
    closers.push(
      () =>
        new Promise((r) => {
          turnstile.server.close(r);
          turnstile.server.closeAllConnections();
        }),
    );

    // PUBLIC_URL is the token issuer and the base of signed links: fix the port first.
    const port = await freePort();
    const cloudUrl = `http://127.0.0.1:${port}`;
    const adminKey = 'e2e-admin-key-0123456789abcdef';
    const cloud = await spawnProcess(process.execPath, [BIN.cloud, 'serve'], {
      env: {
        ...binEnv(),
        HOST: '127.0.0.1',
        PORT: String(port),
        PUBLIC_URL: cloudUrl,
        DATABASE_URL: `sqlite:${join(dir, 'cloud.db')}`,
        MQTT_URL: mosquitto.url,
        MQTT_USERNAME: dynsec.adminUser,
        MQTT_PASSWORD: dynsec.adminPassword,
        MQTT_DYNSEC: '1',
        LOYALTY_URL: standIns.urls.loyalty,
        ENRICHMENT_URL: standIns.urls.enrichment,
        CRM_URL: standIns.urls.crm,
        IBDP_URL: standIns.urls.ibdp,
        IBDP_TOKEN: ibdpToken,
        BOOTSTRAP_ADMIN_KEY: adminKey,
        KEY_ENCRYPTION_KEY: Buffer.alloc(32, 9).toString('base64'),
      },
      readyLine: /lounge-cloud listening/,
      timeoutMs: 60_000,
      killOnTestEnd: false,
    });
    closers.push(() => stopGracefully(cloud));
    // Ready once it holds its dynsec role (mosquitto reconnects it once on the first start).
    const ready = async () => (await fetch(`${cloudUrl}/readyz`)).status === 200;
    await poll(ready, 30_000, 'lounge-cloud /readyz');

    return {
      ...{ dir, standIns, mosquitto, pty, cloud, cloudUrl, adminKey, ibdpToken, stop },
      turnstile: { url: turnstile.url, posted: turnstile.posted },
      provision,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

async function provision(args: string[]): Promise<string[]> {
  const p = await spawnProcess(process.execPath, [BIN.provision, ...args], { env: binEnv() });
  const code = await p.exited;
  if (code !== 0) {
    throw new Error(`lounge-provision ${args[0]} exited ${code}: ${p.stderrLines.join('\n')}`);
  }
  return p.stdoutLines;
}

/** The AENA turnstile's side of the webhook: records each JSON body, answers 204. */
async function startTurnstile(): Promise<{ server: Server; url: string; posted: Json[] }> {
  const posted: Json[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      posted.push(JSON.parse(body) as Json);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${port}/open`, posted };
}
