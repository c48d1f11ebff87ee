import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '@lounge/shared';
import { pino } from 'pino';
import { createApp } from '../../src/app.ts';
import { createMemoryPublisher } from '../../src/broker/publisher.ts';
import type { AppDeps } from '../../src/deps.ts';
import { createApiKey, upsertLounge } from '../../src/domain/admin.ts';
import { createKeyRing } from '../../src/domain/key-ring.ts';
import { createStubIntegrations } from '../../src/integrations/index.ts';
import type { Integrations } from '../../src/integrations/ports.ts';
import { createMetrics } from '../../src/metrics.ts';
import { createDispatcher } from '../../src/outbox/dispatcher.ts';
import { renderQr } from '../../src/qr/index.ts';
import { createStore } from '../../src/store/index.ts';

export const LOUNGE = 'MAD-T4S-VELAZQUEZ';
export const PUBLIC_URL = 'http://cloud.test';

/** Today's date (UTC): the stub airline's flights on it depart 3 h after the current hour. */
export const today = (clock: ManualClock): string =>
  new Date(clock.now()).toISOString().slice(0, 10);

/**
 * The cloud app over a real SQLite store in a temp dir, stub integrations, an in-memory MQTT
 * publisher and a dispatcher the test can run; every call goes through `app.request()`.
 */
export async function makeCloud(
  opts: { rateLimit?: number; integrations?: Integrations; publicUrl?: string } = {},
) {
  const dir = mkdtempSync(join(tmpdir(), 'cloud-api-'));
  const clock = new ManualClock(Date.now());
  const log = pino({ level: 'silent' });
  const databaseUrl = `sqlite:${join(dir, 'cloud.db')}`;
  const store = await createStore(databaseUrl, { log, clock });
  await store.migrate();
  const keys = createKeyRing({ store, clock, kek: new Uint8Array(randomBytes(32)) });
  await keys.ensureKey();
  const stub = createStubIntegrations({ clock });
  const integrations = opts.integrations ?? stub;
  const metrics = createMetrics(() => store.outboxBacklog(), {
    lanes: () => store.outboxLanes(),
    now: () => clock.now(),
  });
  const publisher = createMemoryPublisher();
  const dispatcher = createDispatcher({
    store,
    to: { crm: integrations.crm, ibdp: integrations.ibdp, publisher },
    clock,
    log,
    metrics,
    worker: 'test',
    backoff: { baseMs: 10, maxMs: 50 },
  });
  let notified = 0;
  const deps: AppDeps = {
    settings: {
      publicUrl: opts.publicUrl ?? PUBLIC_URL,
      validityBeforeMs: 4 * 3600_000,
      validityAfterMs: 30 * 60_000,
      invitationMaxAheadMs: 30 * 86_400_000,
      rateLimit: opts.rateLimit ?? 0,
      mqttPublicUrl: 'mqtt://cloud.test:1883',
      ibdp: { url: 'http://ibdp.test', token: 'ibdp-token' },
    },
    store,
    integrations,
    clock,
    log,
    keys,
    secrets: { link: new Uint8Array(randomBytes(32)), subject: new Uint8Array(randomBytes(32)) },
    metrics,
    renderQr,
    notifyOutbox: (dueAt) => {
      notified++;
      dispatcher.notify(dueAt);
    },
    brokerConnected: () => publisher.connected(),
    // app.request() has no socket: a test names its caller's address in a header.
    clientAddress: (c) => c.req.header('x-test-client-address') ?? '192.0.2.1',
  };
  const app = createApp(deps);
  const now = clock.now();
  const admin = (await createApiKey(store, 'admin', 'test admin', now)).key;
  const appKey = (await createApiKey(store, 'app', 'test app', now)).key;
  await upsertLounge(
    store,
    LOUNGE,
    { airport: 'MAD', name: 'Velázquez', timezone: 'Europe/Madrid' },
    now,
  );

  /** One HTTP call; `key` null sends no Authorization header. */
  async function call<T = Record<string, unknown>>(
    method: string,
    path: string,
    init: {
      body?: unknown;
      raw?: string;
      key?: string | null;
      headers?: Record<string, string>;
    } = {},
  ) {
    const headers: Record<string, string> = { ...init.headers };
    const key = init.key === undefined ? admin : init.key;
    if (key) headers.authorization = `Bearer ${key}`;
    let body: string | undefined = init.raw;
    if (init.body !== undefined) body = JSON.stringify(init.body);
    if (body !== undefined) headers['content-type'] ??= 'application/json';
    const res = await app.request(path, { method, headers, body });
    const text = await res.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: res.status, headers: res.headers, text, json: json as T };
  }

  const invitationBody = (overrides: Record<string, unknown> = {}) => ({
    customerId: 'IB0001',
    loungeId: LOUNGE,
    flight: { number: 'IB0612', date: today(clock) },
    guests: 1,
    ...overrides,
  });

  return {
    app,
    deps,
    store,
    /** The store's SQLite file, for a second instance on the same database. */
    databaseUrl,
    clock,
    stub,
    publisher,
    dispatcher,
    keys,
    admin,
    appKey,
    call,
    invitationBody,
    notified: () => notified,
    async close() {
      await dispatcher.stop();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export type TestCloud = Awaited<ReturnType<typeof makeCloud>>;
