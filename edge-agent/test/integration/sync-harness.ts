import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { createServer as createHttpServer } from 'node:http';
import {
  TOPICS,
  verifyDeviceAssertion,
  type Clock,
  type Ed25519PrivateJwk,
  type Ed25519PublicJwk,
  type LoungeConfig,
  type RevocationMessage,
} from '@lounge/shared';
import { Aedes } from 'aedes';
import { exportJWK, generateKeyPair } from 'jose';
import mqtt, { type MqttClient } from 'mqtt';
import pino from 'pino';
import type { Agent } from '../../src/agent.ts';
import { SyncService, type SyncServiceOptions } from '../../src/sync/index.ts';

/** An in-process aedes broker on 127.0.0.1 (MQTT 3.1.1); `restart()` = a fresh, empty one. */
export async function startAedes(port = 0) {
  let aedes: Aedes;
  let server: Server;
  const sockets = new Set<Socket>();
  const open = async (p: number) => {
    aedes = await Aedes.createBroker();
    server = createServer((s) => {
      sockets.add(s);
      s.once('close', () => sockets.delete(s));
      aedes.handle(s);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(p, '127.0.0.1', () => resolve());
    });
    return (server.address() as AddressInfo).port;
  };
  // Stop accepting first: a client reconnecting mid-close must not keep the server open.
  const close = async () => {
    const closed = new Promise<void>((r) => server.close(() => r()));
    await new Promise<void>((r) => aedes.close(() => r()));
    for (const s of sockets) s.destroy();
    await closed;
  };
  const bound = await open(port);
  return {
    url: `mqtt://127.0.0.1:${bound}`,
    port: bound,
    close,
    /** Closes and starts an empty broker (no sessions, no retained messages) on the same port. */
    async restart(whileDown?: () => Promise<void>) {
      await close();
      await whileDown?.();
      await open(bound);
    },
    /** Drops the connection of `clientId`, or of every client (a network blip). */
    kick(clientId?: string) {
      const clients = (
        aedes as unknown as { clients: Record<string, { conn: { destroy(): void } }> }
      ).clients;
      for (const [id, c] of Object.entries(clients))
        if (!clientId || id === clientId) c.conn.destroy();
    },
  };
}

/** An Ed25519 device key pair (private JWK for the edge, public for the fake cloud). */
export async function deviceKeyPair() {
  const { privateKey, publicKey } = await generateKeyPair('EdDSA', { extractable: true });
  return {
    privateJwk: (await exportJWK(privateKey)) as Ed25519PrivateJwk,
    publicJwk: (await exportJWK(publicKey)) as Ed25519PublicJwk,
  };
}

/** A broker client playing the cloud's publisher (or an observer). */
export async function mqttClient(url: string, clientId: string, protocolVersion: 4 | 5 = 4) {
  const client = await mqtt.connectAsync(url, { clientId, protocolVersion, reconnectPeriod: 200 });
  return client;
}

const PREFIX = '/gw/cloud';

/**
 * The cloud side of the sync: JWKS, the device-authenticated revocation feed (with a `Date`
 * header) and `revoke()`, which assigns the next seq and publishes it like the cloud outbox.
 */
export async function startSyncCloud(opts: {
  issuer: string;
  deviceKeys: Record<string, Ed25519PublicJwk>;
  jwks: Ed25519PublicJwk[];
  clock: Clock;
}) {
  const revocations: RevocationMessage[] = [];
  const jtis = new Set<string>();
  const state = { feedRequests: 0, jwksRequests: 0, refused: 0, down: false, configRequests: 0 };
  /** What `GET /v1/lounges/:id` answers (the config fields of the lounge); null: 404. */
  const lounge: { config: LoungeConfig | null } = { config: null };
  const loungePath = /^\/v1\/lounges\/([A-Z0-9-]+)$/;
  let publisher: MqttClient | undefined;
  const server = createHttpServer((req, res) => {
    const date = new Date(opts.clock.now()).toUTCString();
    const url = new URL(req.url ?? '/', 'http://x');
    if (state.down) return void res.socket?.destroy();
    // Under a gateway prefix (SPEC.md 8): a client that drops it gets 404s.
    const path = url.pathname.startsWith(`${PREFIX}/`) ? url.pathname.slice(PREFIX.length) : '';
    if (path === '/.well-known/jwks.json') {
      state.jwksRequests++;
      res.writeHead(200, { 'content-type': 'application/json', date });
      return void res.end(JSON.stringify({ keys: opts.jwks }));
    }
    const isLounge = loungePath.test(path);
    if (path !== '/v1/revocations' && !isLounge) return void res.writeHead(404, { date }).end();
    if (isLounge) state.configRequests++;
    else state.feedRequests++;
    const token = (req.headers.authorization ?? '').replace(/^Bearer /, '');
    verifyDeviceAssertion(token, {
      audience: opts.issuer,
      nowMs: opts.clock.now(),
      resolveDevice: async (id) => {
        const jwk = opts.deviceKeys[id];
        return jwk ? { publicJwk: jwk, decommissioned: false } : null;
      },
      rememberJti: async (id, jti) => !jtis.has(`${id}/${jti}`) && !!jtis.add(`${id}/${jti}`),
    }).then(
      () => {
        if (isLounge) {
          if (!lounge.config) return void res.writeHead(404, { date }).end();
          res.writeHead(200, { 'content-type': 'application/json', date });
          return void res.end(JSON.stringify({ id: loungePath.exec(path)![1], ...lounge.config }));
        }
        const after = Number(url.searchParams.get('after') ?? 0);
        const limit = Number(url.searchParams.get('limit') ?? 1000);
        const entries = revocations.filter((r) => r.seq > after).slice(0, limit);
        res.writeHead(200, { 'content-type': 'application/json', date });
        res.end(JSON.stringify({ entries, lastSeq: revocations.length }));
      },
      () => {
        state.refused++;
        res.writeHead(401, { date }).end();
      },
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${PREFIX}`,
    state,
    revocations,
    /** The keys its JWKS serves (change it in place). */
    jwks: opts.jwks,
    lounge,
    /** Publishes through this broker from now on (null: revocations are only in the feed). */
    async connectBroker(url: string | null) {
      await publisher?.endAsync();
      publisher = url ? await mqttClient(url, `cloud-${Math.random()}`) : undefined;
    },
    /** Revokes one invitation: next seq, then (when connected) the message and the head. */
    async revoke(invitationId: string, exp: number, publish = true): Promise<RevocationMessage> {
      const msg: RevocationMessage = {
        seq: revocations.length + 1,
        invitationId,
        revokedAt: new Date(opts.clock.now()).toISOString(),
        reason: 'test',
        exp,
      };
      revocations.push(msg);
      if (publish && publisher) {
        await publisher.publishAsync(TOPICS.revocations, JSON.stringify(msg), { qos: 1 });
        await publisher.publishAsync(TOPICS.revocationsHead, JSON.stringify({ seq: msg.seq }), {
          qos: 1,
          retain: true,
        });
      }
      return msg;
    },
    publisher: () => publisher,
    /** Enrols another device key. */
    addDevice(deviceId: string, jwk: Ed25519PublicJwk) {
      opts.deviceKeys[deviceId] = jwk;
    },
    async close() {
      await publisher?.endAsync();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** A SyncService on an agent, with fast retry timings and a silent logger. */
export function syncFor(
  agent: Agent,
  o: {
    mqttUrl: string;
    cloudUrl: string;
    deviceKey: Ed25519PrivateJwk;
  } & Partial<SyncServiceOptions>,
): SyncService {
  const { config } = agent;
  const { mqttUrl, ...rest } = o;
  return new SyncService({
    deviceId: config.deviceId,
    loungeId: config.loungeId,
    issuer: config.issuer,
    mqtt: { url: mqttUrl, username: config.deviceId, password: 'secret' },
    clockSkewSeconds: config.clockSkewSeconds,
    version: 'test',
    port: agent.syncPort,
    facts: () => agent.heartbeatFacts(),
    log: pino({ level: process.env.SYNC_LOG ?? 'silent' }),
    fetch: (url, init) => fetch(url, init),
    reconnect: { baseMs: 50, maxMs: 300 },
    catchUpRetry: { baseMs: 50, maxMs: 300 },
    drainIntervalMs: 100,
    ...rest,
  });
}

/** Polls `predicate` every 10 ms until true; throws after `timeoutMs`. */
export async function until(
  predicate: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
  what = 'condition',
) {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`${what} not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
