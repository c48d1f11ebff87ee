import { hostname } from 'node:os';
import { serve, type ServerType } from '@hono/node-server';
import { getConnInfo } from '@hono/node-server/conninfo';
import { joinUrl, systemClock, type Clock } from '@lounge/shared';
import type { Logger } from 'pino';
import { createApp } from './app.ts';
import { startEmbeddedBroker, type EmbeddedBroker } from './broker/embedded.ts';
import { cloudLogin, createDeviceAuth, createEmbeddedRegistry } from './broker/device-auth.ts';
import {
  createDynsecControl,
  createDynsecRegistry,
  createNoopRegistry,
  type MqttCredentialRegistry,
} from './broker/dynsec.ts';
import { cloudClientId } from './broker/client-id.ts';
import { startSubscriber, type RecordEvents } from './broker/subscriber.ts';
import { connectMqtt, createMqttPublisher } from './broker/mqtt-publisher.ts';
import type { Publisher } from './broker/publisher.ts';
import type { MqttClient } from 'mqtt';
import type { CloudConfig } from './config.ts';
import type { AppDeps } from './deps.ts';
import { ensureBootstrapAdminKey } from './domain/api-keys.ts';
import { createKeyRing } from './domain/key-ring.ts';
import { loadServerSecrets, type ServerSecrets } from './domain/server-secrets.ts';
import { fleetSummaryReader, recordDeviceStatus } from './domain/fleet.ts';
import { recordLoungeEvents } from './domain/record-lounge-events.ts';
import { createHttpIntegrations, createStubIntegrations } from './integrations/index.ts';
import type { Integrations } from './integrations/ports.ts';
import { createLogger } from './log.ts';
import { createMetrics } from './metrics.ts';
import { createDispatcher, type Dispatcher } from './outbox/dispatcher.ts';
import { renderQr } from './qr/index.ts';
import { STUB_IBDP_PATH, stubIbdpRoutes } from './routes/stub-ibdp.ts';
import { startupSummary, withoutPassword } from './startup-summary.ts';
import { createFailureLimiter, randomSecret, toBase64url } from './security/index.ts';
import { loadKek, type KeyRing } from './signing-keys/index.ts';
import { createStore } from './store/index.ts';
import type { CloudStore } from './store/port.ts';

/** Token the devices present to the in-cloud IBDP stand-in (`INTEGRATIONS=stub` only). */
const STUB_IBDP_TOKEN = 'stub-ibdp-token';

/** What the admin CLI needs: the store and key ring, without servers. */
export interface CloudCore {
  config: CloudConfig;
  log: Logger;
  store: CloudStore;
  keys: KeyRing;
  /** Link and pseudonym HMAC keys, unsealed (sealed at rest under the KEK). */
  secrets: ServerSecrets;
  clock: Clock;
  close(): Promise<void>;
}

/** Opens the store (migrated) and the key ring. Nothing listens yet. */
export async function openCore(
  config: CloudConfig,
  opts: { log?: Logger; clock?: Clock } = {},
): Promise<CloudCore> {
  const log = opts.log ?? createLogger({ level: config.logLevel, format: config.logFormat });
  const clock = opts.clock ?? systemClock;
  const store = await createStore(config.databaseUrl, {
    log,
    clock,
    poolSize: config.databasePoolSize,
  });
  try {
    await store.migrate();
    const { kek } = loadKek({ env: config.keyEncryptionKey, dataDir: config.dataDir, log });
    const keys = createKeyRing({ store, clock, kek });
    const secrets = await loadServerSecrets(store, kek);
    return { config, log, store, keys, secrets, clock, close: () => store.close() };
  } catch (err) {
    await store.close();
    throw err;
  }
}

/** A running cloud: the HTTP server, the outbox dispatcher, the broker connection. */
export interface RunningCloud {
  port: number;
  mqttUrl: string;
  /** Stops accepting, drains the outbox in flight, closes broker and database. */
  stop(): Promise<void>;
}

/** The composition root of `lounge-cloud serve` (SPEC.md sections 3-6). */
export async function startCloud(
  config: CloudConfig,
  opts: { log?: Logger; version?: string; clock?: Clock } = {},
) {
  const log0 = opts.log ?? createLogger({ level: config.logLevel, format: config.logFormat });
  // The first line says where it listens and what it talks to (secrets left out).
  log0.info(
    { ...(opts.version && { version: opts.version }), ...startupSummary(config) },
    'lounge-cloud starting',
  );
  const core = await openCore(config, { log: log0, ...(opts.clock && { clock: opts.clock }) });
  const { log, store, keys, clock } = core;
  const closers: (() => Promise<void>)[] = [() => store.close()];
  const closeAll = async () => {
    for (const close of closers.splice(0).reverse()) {
      await close().catch((err: unknown) => log.error({ err }, 'error while stopping'));
    }
  };
  try {
    if (await keys.ensureKey()) log.info('created the first signing key');
    await bootstrapAdmin(core);
    const metrics = createMetrics(() => store.outboxBacklog(), {
      defaults: true,
      lanes: () => store.outboxLanes(),
      now: () => clock.now(),
      fleet: fleetSummaryReader({ store, clock }),
    });
    const integrations: Integrations = config.integrations
      ? createHttpIntegrations(config.integrations, { clock, log, registry: metrics.registry })
      : createStubIntegrations({ clock });
    if (!config.integrations) {
      log.warn('INTEGRATIONS=stub: loyalty, enrichment, CRM and IBDP are in-process stand-ins');
    }
    let broker: EmbeddedBroker | undefined;
    // The embedded broker checks every login, the cloud's own included (random unless set).
    const internal = config.mqtt.url ? undefined : cloudLogin(config.mqtt);
    const login = internal ?? config.mqtt;
    const deviceAuth = internal && createDeviceAuth({ store, cloud: [internal], clock, log });
    const oversized = createFailureLimiter({ burst: 5, perSecond: 0.1, now: () => clock.now() });
    if (deviceAuth) {
      broker = await startEmbeddedBroker({
        host: config.host,
        port: config.mqtt.port,
        hooks: deviceAuth.hooks,
        onOversizedPacket: (address, err) => {
          // A flood is logged as its first cut and the moment it becomes one, not per packet.
          const outcome = oversized.fail(address);
          if (outcome === 'counted') return;
          const what = outcome === 'first' ? 'packet over 64 KiB' : 'repeated oversized packets';
          log.warn({ address, bytes: err.declared }, `MQTT connection cut: ${what}`);
        },
      }).catch((err: unknown) => {
        throw inUse(err, 'MQTT_PORT', config.host, config.mqtt.port, ' (or set MQTT_URL)');
      });
      closers.push(() => broker!.close());
      log.info({ port: broker.port }, 'embedded MQTT broker listening');
    }
    const mqttUrl = config.mqtt.url ?? broker!.url;
    const worker = `${hostname()}:${process.pid}:${toBase64url(randomSecret(4))}`;
    const mqttClient = connectMqtt({
      url: mqttUrl,
      username: login.username,
      password: login.password,
      protocolVersion: broker ? 4 : 5,
      clientId: cloudClientId({
        configured: config.mqtt.clientId,
        hostname: hostname(),
        port: config.port,
        pid: process.pid,
        random: toBase64url(randomSecret(4)),
      }),
      log,
    });
    const publisher: Publisher = createMqttPublisher(mqttClient);
    closers.push(() => publisher.close());
    // Taken over before the first CONNACK: what the session held comes back at once, and is
    // held unacknowledged until the use case is wired (below). Shared on mosquitto (several
    // instances); aedes has none.
    const recorder = lateBound<RecordEvents>();
    const subscriber = startSubscriber({
      client: mqttClient,
      store,
      recordEvents: async (...args) => (await recorder.value)(...args),
      recordStatus: (...args) => recordDeviceStatus({ store, clock }, ...args),
      log,
      shared: !broker,
    });
    closers.push(() => {
      const stopping = subscriber.stop();
      recorder.reject(new Error('lounge-cloud is stopping'));
      return stopping;
    });
    const credentials = credentialRegistry(config, { broker, deviceAuth, mqttClient, log });
    closers.push(() => credentials.stop());
    void credentials.start();
    const dispatcher: Dispatcher = createDispatcher({
      store,
      to: { crm: integrations.crm, ibdp: integrations.ibdp, publisher, credentials },
      clock,
      log,
      metrics,
      worker,
      canDeliver: { mqtt: () => publisher.connected(), broker: () => publisher.connected() },
    });
    // Closed in reverse: the server stops accepting first, then the outbox drains.
    closers.push(() => dispatcher.stop());
    let fetchApp: Fetch = () => new Response('starting', { status: 503 });
    // The node-server bindings (`env.incoming`) travel along: getConnInfo reads the socket.
    const server = await listen((req, env) => fetchApp(req, env), config.host, config.port).catch(
      (err: unknown) => {
        throw inUse(err, 'PORT', config.host, config.port, '');
      },
    );
    closers.push(() => closeServer(server));
    const port = (server.address() as { port: number }).port;
    const publicUrl =
      config.publicUrlSet || config.port !== 0 ? config.publicUrl : `http://localhost:${port}`;
    const stub = config.integrations === null;
    const deps: AppDeps = {
      settings: {
        publicUrl,
        validityBeforeMs: config.validityBeforeMs,
        validityAfterMs: config.validityAfterMs,
        invitationMaxAheadMs: config.invitationMaxAheadMs,
        rateLimit: config.rateLimit,
        mqttPublicUrl:
          config.mqtt.publicUrl ??
          config.mqtt.url ??
          `mqtt://${new URL(publicUrl).hostname}:${broker!.port}`,
        ibdp: stub
          ? { url: joinUrl(publicUrl, STUB_IBDP_PATH), token: STUB_IBDP_TOKEN }
          : { url: config.integrations!.ibdp.url, token: config.integrations!.ibdp.token ?? '' },
      },
      store,
      integrations,
      clock,
      log,
      keys,
      secrets: core.secrets,
      metrics,
      renderQr,
      notifyOutbox: (dueAt) => dispatcher.notify(dueAt),
      brokerConnected: () => publisher.connected() && credentials.problem() === null,
      // The TCP peer: behind a proxy every caller shares its address (docs/security.md).
      clientAddress: (c) => {
        try {
          return getConnInfo(c).remote.address;
        } catch {
          return undefined; // not called through node-server (no socket)
        }
      },
      mqttCredentials: credentials,
    };
    const app = createApp(deps);
    if (stub) stubIbdpRoutes(app, integrations.ibdp, STUB_IBDP_TOKEN);
    fetchApp = app.fetch;
    recorder.resolve((loungeId, events, mayAuthor) =>
      recordLoungeEvents(deps, events, { channel: 'mqtt', loungeId, mayAuthor }),
    );
    dispatcher.start();
    const where = config.host.includes(':') ? `[${config.host}]` : config.host;
    log.info(
      { url: `http://${where}:${port}`, port, publicUrl, mqttUrl: withoutPassword(mqttUrl) },
      'lounge-cloud listening',
    );
    return { port, mqttUrl, stop: closeAll } satisfies RunningCloud;
  } catch (err) {
    await closeAll();
    throw err;
  }
}

/** A value known later in start-up; a rejection (stopping first) is not unhandled. */
function lateBound<T>() {
  let resolve!: (v: T) => void;
  let reject!: (err: unknown) => void;
  const value = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  value.catch(() => {});
  return { value, resolve, reject };
}

/** A port already taken becomes one sentence naming the variable to change. */
function inUse(err: unknown, name: string, host: string, port: number, hint: string): unknown {
  if ((err as { code?: string }).code !== 'EADDRINUSE') return err;
  return new Error(`${name}: port ${port} on ${host} is already in use; choose another${hint}`);
}

/** Where device broker logins are kept: the store (embedded), dynsec, or the operator. */
function credentialRegistry(
  config: CloudConfig,
  o: {
    broker: EmbeddedBroker | undefined;
    deviceAuth: ReturnType<typeof createDeviceAuth> | undefined;
    mqttClient: MqttClient;
    log: Logger;
  },
): MqttCredentialRegistry {
  if (o.broker && o.deviceAuth) {
    const broker = o.broker;
    return createEmbeddedRegistry(o.deviceAuth, (username) => broker.disconnect(username));
  }
  if (!config.mqtt.dynsec) return createNoopRegistry();
  return createDynsecRegistry({
    control: createDynsecControl(o.mqttClient),
    // loadConfig refuses MQTT_DYNSEC=1 with MQTT_URL but without MQTT_USERNAME.
    cloudUsername: config.mqtt.username!,
    log: o.log,
  });
}

async function bootstrapAdmin(core: CloudCore): Promise<void> {
  const secret = core.config.bootstrapAdminKey;
  if (secret && (await ensureBootstrapAdminKey(core.store, secret, core.clock.now()))) {
    core.log.info('created the bootstrap admin key from BOOTSTRAP_ADMIN_KEY');
  }
}

/** A fetch handler as node-server calls it: the request and its bindings. */
type Fetch = (req: Request, env?: unknown) => Response | Promise<Response>;

function listen(fetch: Fetch, hostname: string, port: number): Promise<ServerType> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch, hostname, port }, () => resolve(server));
    server.once('error', reject);
  });
}

/** Stops accepting, lets requests in flight finish, drops idle keep-alive sockets. */
function closeServer(server: ServerType): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    if ('closeIdleConnections' in server) server.closeIdleConnections();
  });
}
