import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ManualClock,
  newInvitationId,
  signToken,
  type Clock,
  type Ed25519PublicJwk,
  type TokenClaims,
} from '@lounge/shared';
import { exportJWK, generateKeyPair } from 'jose';
import pino from 'pino';
import { createAgent, type Agent, type AgentDeps } from '../../src/agent.ts';
import { parseConfig, type EdgeConfig } from '../../src/config.ts';
import type { Scanner, ScannerEvents } from '../../src/scanners/port.ts';

export const LOUNGE = 'MAD-T4S-VELAZQUEZ';
export const DEVICE = 'dev_01JD0000000000000000000001';
export const API_TOKEN = 'test-token-0123456789abcdef';
export const ISSUER = 'http://cloud.test';
/** The path the fake clouds sit under: everything outside it is a 404. */
export const CLOUD_PREFIX = '/gw/cloud';

/** A signing key like the cloud's, with a helper to mint tokens relative to a clock. */
export async function makeSigner(kid = 'kTest001') {
  const { privateKey, publicKey } = await generateKeyPair('EdDSA', { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid, alg: 'EdDSA', use: 'sig' };
  return {
    kid,
    privateKey,
    publicKey,
    publicJwk: jwk as Ed25519PublicJwk,
    async token(clock: Clock, claims: Partial<TokenClaims> = {}): Promise<string> {
      const now = Math.floor(clock.now() / 1000);
      const full: TokenClaims = {
        iss: ISSUER,
        jti: newInvitationId(clock.now()),
        aud: LOUNGE,
        sub: 'AbCdEfGhIjKlMnOpQrStUv',
        nbf: now - 600,
        exp: now + 3600,
        gst: 1,
        ent: 1,
        ...claims,
      };
      return signToken(full, { kid, privateKey });
    },
  };
}

export type Signer = Awaited<ReturnType<typeof makeSigner>>;

/** A tiny stand-in for the cloud: serves the JWKS with a `Date` header from `clock`. */
export async function startFakeCloud(keys: Ed25519PublicJwk[], clock: Clock) {
  const state = { keys, requests: 0, dateOffsetMs: 0 };
  const server: Server = createServer((req, res) => {
    state.requests++;
    const date = new Date(clock.now() + state.dateOffsetMs).toUTCString();
    // Mounted under a prefix, as a gateway would put the cloud (SPEC.md 8).
    if (req.url === `${CLOUD_PREFIX}/.well-known/jwks.json`) {
      res.writeHead(200, { 'content-type': 'application/json', date });
      res.end(JSON.stringify({ keys: state.keys }));
    } else {
      res.writeHead(404, { date }).end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${CLOUD_PREFIX}`,
    state,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** A temp folder removed by `cleanup()`. */
export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'lounge-edge-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A valid raw config object (as in the JSON file) for `dataDir`. */
export function rawConfig(dataDir: string, cloudUrl: string, extra: Record<string, unknown> = {}) {
  writeFileSync(
    join(dataDir, 'device-key.json'),
    JSON.stringify({ kty: 'OKP', crv: 'Ed25519', x: 'A'.repeat(43), d: 'B'.repeat(43) }),
    { mode: 0o600 },
  );
  return {
    deviceId: DEVICE,
    loungeId: LOUNGE,
    cloudUrl,
    issuer: ISSUER,
    deviceKeyFile: 'device-key.json',
    dataDir: 'state',
    api: { host: '127.0.0.1', port: 0, token: API_TOKEN },
    ...extra,
  };
}

export interface TestAgent {
  /** The running agent (a new one after `restart()`). */
  readonly agent: Agent;
  readonly url: string;
  config: EdgeConfig;
  /** An authenticated JSON request to the local API. */
  call(method: string, path: string, body?: unknown, token?: string | null): Promise<Response>;
  scan(code: string, gate?: string): Promise<Record<string, unknown>>;
  stop(): Promise<void>;
  /** Stops the agent and starts a new one on the same data dir and options. */
  restart(): Promise<void>;
}

/** Starts an agent on 127.0.0.1:0 with a silent logger. */
export async function startAgent(
  dir: string,
  cloudUrl: string,
  opts: { clock?: Clock; extra?: Record<string, unknown>; deps?: AgentDeps } = {},
): Promise<TestAgent> {
  const { config } = parseConfig(rawConfig(dir, cloudUrl, opts.extra), dir);
  const clock = opts.clock ?? new ManualClock();
  const boot = async () => {
    const agent = createAgent(config, {
      log: pino({ level: 'silent' }),
      clock,
      defaultMetrics: false,
      ...opts.deps,
    });
    const { url } = await agent.start();
    return { agent, url };
  };
  let running = await boot();
  const call = (method: string, path: string, body?: unknown, token: string | null = API_TOKEN) =>
    fetch(running.url + path, {
      method,
      headers: {
        ...(token !== null && { authorization: `Bearer ${token}` }),
        'content-type': 'application/json',
      },
      ...(body !== undefined && { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
  return {
    get agent() {
      return running.agent;
    },
    get url() {
      return running.url;
    },
    config,
    call,
    async scan(code, gate) {
      const res = await call('POST', '/v1/scan', { code, ...(gate && { gate }) });
      if (res.status !== 200) throw new Error(`scan answered ${res.status}: ${await res.text()}`);
      return (await res.json()) as Record<string, unknown>;
    },
    stop: () => running.agent.stop(),
    async restart() {
      await running.agent.stop();
      running = await boot();
    },
  };
}

/** Scanner stand-ins whose reads the test triggers through `handle.events.onScan`. */
export function fakeScanners() {
  const handle: { events?: ScannerEvents } = {};
  const factory = (
    configs: readonly { id: string; type: string }[],
    deps: { events: ScannerEvents },
  ) => {
    handle.events = deps.events;
    return configs.map((c): Scanner => ({
      id: c.id,
      type: c.type,
      start: () => deps.events.onStatus({ id: c.id, type: c.type, status: 'connected' }),
      stop: async () => undefined,
      health: () => ({ id: c.id, type: c.type, status: 'connected' }),
    }));
  };
  return { factory, handle };
}

/** A turnstile webhook receiver answering 204, keeping every body it got. */
export async function startWebhookReceiver() {
  const received: unknown[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      received.push(JSON.parse(body));
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/turnstile`,
    received,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** The value of one unlabelled (or first matching) sample in the agent's `/metrics`. */
export async function metricValue(edge: TestAgent, pattern: RegExp): Promise<number> {
  const text = await (await edge.call('GET', '/metrics')).text();
  const match = new RegExp(`^${pattern.source} (\\S+)$`, 'm').exec(text);
  return match ? Number(match[1]) : 0;
}

export { accessRecord, revocation } from './records.ts';
