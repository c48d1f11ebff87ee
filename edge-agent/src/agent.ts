import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import type { Clock, Decision, Ed25519PrivateJwk, Timers } from '@lounge/shared';
import { ProblemError, backgroundTimers, every, systemClock } from '@lounge/shared';
import pino, { type Logger } from 'pino';
import { fetch as undiciFetch } from 'undici';
import { annulGrant, type Annulment } from './annul.ts';
import { createApiApp } from './api/app.ts';
import { SseHub } from './api/sse-hub.ts';
import { ClockGuard } from './clock-guard.ts';
import type { EdgeConfig } from './config.ts';
import {
  createConsoleApp,
  createDeskActions,
  listenConsole,
  localTimeZone,
  type Activity,
  type ConsoleApp,
  type DeskActions,
} from './console/index.ts';
import { DecisionService, type DecisionEvent, type ScanInput } from './decision-service.ts';
import { buildHealth, type Health } from './health.ts';
import { JwksCache, type Fetch } from './jwks-cache.ts';
import { LinkStatus } from './link-status.ts';
import { createMetrics, registerOccupancyMetrics, type EdgeMetrics } from './metrics.ts';
import { LoungeOccupancy, occupancyActions, type OccupancyActions } from './occupancy/index.ts';
import { createScanners } from './scanners/index.ts';
import { DoubleReadFilter } from './scanners/double-read.ts';
import { ScannerTestReads } from './scanners/test-reads.ts';
import type { ScannerDeps } from './scanners/driver-deps.ts';
import type { ScannerConfig } from './scanners/config.ts';
import type { Scanner, ScannerHealth } from './scanners/port.ts';
import { openEdgeState, type EdgeState } from './state/index.ts';
import { StorageGuard } from './storage-guard.ts';
import type { HeartbeatFacts } from './sync/heartbeat.ts';
import { createSyncPort, type SyncPort } from './sync/port.ts';
import { registerUploadHealthMetrics } from './upload/metrics.ts';
import { readUploadHealth } from './upload/upload-health.ts';
import { TurnstileWebhook } from './webhook.ts';

/** Everything with a side effect, injectable (tests pass fakes). */
export interface AgentDeps {
  log?: Logger;
  clock?: Clock;
  /** The scanners' and the agent's own timers (tests pass `ManualTimers`). */
  timers?: Timers;
  fetch?: Fetch;
  /** The device's private key (the sync signs device assertions with it). */
  deviceKey?: Ed25519PrivateJwk;
  /** Stream for `stdin` scanners; default process.stdin. */
  stdin?: NodeJS.ReadableStream;
  createScanners?: (configs: readonly ScannerConfig[], deps: ScannerDeps) => Scanner[];
  sseKeepAliveMs?: number;
  defaultMetrics?: boolean;
  /**
   * Extra subsystems (MQTT sync, IBDP uploader) built once the agent exists: started after
   * the API and before the scanners, stopped in reverse order.
   */
  subsystems?: (agent: Agent) => Subsystem[];
  /**
   * The lounge's IANA time zone for the desk console's "today"; default the lounge config's
   * (kept in edge SQLite), else the box's own.
   */
  timeZone?: () => string;
}

/** Something the agent starts and stops with itself. */
export interface Subsystem {
  start(): void | Promise<void>;
  stop(): Promise<void>;
  /** Called after each recorded decision or annulment (upload or publish it soon). */
  wake?(): void;
}

export interface Agent extends OccupancyActions {
  readonly config: EdgeConfig;
  readonly state: EdgeState;
  readonly metrics: EdgeMetrics;
  readonly log: Logger;
  /** The port the MQTT sync drives (`edgeSubsystems`), over this agent's state and link. */
  readonly syncPort: SyncPort;
  readonly deviceKey: Ed25519PrivateJwk | undefined;
  /** Fetches keys, listens, starts scanners; resolves with the bound address(es). */
  start(): Promise<{ host: string; port: number; url: string; consoleUrl?: string }>;
  /** Stops scanners, closes the server and the database. Idempotent. */
  stop(): Promise<void>;
  scan(input: ScanInput): Promise<Decision>;
  /** Gives a grant back (within 5 min); `staff` when done at the desk console. */
  annul(eventId: string, staff?: string): Annulment;
  /** The desk console's actions (SPEC.md 8 "Desk console"). */
  readonly desk: DeskActions;
  /** Listens to every recorded decision and annulment; returns the unsubscribe. */
  onActivity(listener: (a: Activity) => void): () => void;
  health(): Health;
  /** `health()` plus what the MQTT heartbeat adds: cached key ids, free disk (SPEC.md 6). */
  heartbeatFacts(): HeartbeatFacts;
  /** Connected `GET /v1/events` subscribers. */
  sseClients(): number;
}

/** The composition root of `lounge-edge`: db → state → keys → decisions → API → scanners. */
export function createAgent(config: EdgeConfig, deps: AgentDeps = {}): Agent {
  const log = deps.log ?? pino({ base: { service: 'lounge-edge', deviceId: config.deviceId } });
  const clock = deps.clock ?? systemClock;
  const fetch = deps.fetch ?? (undiciFetch as unknown as Fetch);
  const state = openEdgeState({ dataDir: config.dataDir });
  const metrics = createMetrics({ defaultMetrics: deps.defaultMetrics });
  registerUploadHealthMetrics(metrics.registry, () => ({
    health: readUploadHealth(state.db),
    nowMs: clock.now(),
  }));
  const storage = new StorageGuard({ db: state.db, dataDir: config.dataDir, log });
  let stopStorageTimer: (() => void) | undefined;
  const link = new LinkStatus(state.meta, clock);
  const clockGuard = new ClockGuard(state.trustedTime, clock, config.clockSkewSeconds);
  const jwks = new JwksCache({
    keys: state.keys,
    cloudUrl: config.cloudUrl,
    fetch,
    clock,
    log,
    onCloudDate: (cloudMs, localMs) => clockGuard.observeCloudDate(cloudMs, localMs),
    onCloudContact: (atMs) => link.markCloudContact(atMs),
  });
  const sse = new SseHub(deps.sseKeepAliveMs);
  const occupancy = new LoungeOccupancy({
    store: state.occupancy,
    clock,
    ...(deps.timers && { timers: deps.timers }),
    onChange: (o) => sse.broadcast('occupancy', o),
  });
  registerOccupancyMetrics(metrics.registry, () => occupancy.current());
  const webhook = config.turnstile.webhookUrl
    ? new TurnstileWebhook({
        url: config.turnstile.webhookUrl,
        fetch,
        log,
        onFailure: () => metrics.webhookFailures.inc(),
      })
    : undefined;

  let extras: Subsystem[] = [];
  const listeners = new Set<(a: Activity) => void>();
  const tell = (a: Activity): void => {
    for (const l of listeners) {
      try {
        l(a);
      } catch (err) {
        log.error({ err }, 'activity listener failed');
      }
    }
  };
  const wakeAll = (): void => {
    for (const x of extras) x.wake?.();
  };

  const onDecision = (event: DecisionEvent): void => {
    const { decision, source, latencyMs, detail } = event;
    metrics.decisions.inc({ decision: decision.decision, reason: decision.reason, source });
    metrics.decisionLatency.observe({ source }, latencyMs / 1000);
    // The access log in SQLite is the record of every decision (and the SSE feed, the console
    // and the metrics show them live); a line per decision on stdout is debug-only: at info it
    // cost 7-9% of a decision's CPU (docs/performance.md).
    if (log.isLevelEnabled('debug'))
      log.debug({ ...decision, source, latencyMs, detail }, 'decision');
    sse.broadcast('decision', decision);
    tell({ kind: 'decision', decision });
    if (source === 'scanner') webhook?.send(decision);
    if (decision.decision === 'grant') occupancy.changed(event.occupancy);
    wakeAll();
  };
  const common = {
    state,
    clock,
    deviceId: config.deviceId,
    loungeId: config.loungeId,
    isOffline: () => link.offline(),
    occupancy,
  };
  const decisions = new DecisionService({
    ...common,
    resolveKey: jwks.resolver,
    clockSkewSeconds: config.clockSkewSeconds,
    isClockSuspect: () => clockGuard.status().suspect,
    onDecision,
    onRetry: () => metrics.scanRetries.inc(),
    storage: (write) => storage.write(write),
  });

  const doubleReads = new DoubleReadFilter({ clock });
  const testReads = new ScannerTestReads(deps.timers);
  const scanners = (deps.createScanners ?? createScanners)(config.scanners, {
    log,
    clock,
    ...(deps.timers && { timers: deps.timers }),
    ...(deps.stdin && { stdin: deps.stdin }),
    events: {
      onScan: (s) => {
        // SPEC.md 8: a double read is dropped before any decision, event, webhook or log row.
        if (!doubleReads.accept(s.scannerId, s.code)) {
          metrics.doubleReads.inc({ scanner: s.scannerId });
          return;
        }
        // A technician's test read (POST /v1/scanners/:id/test) is answered there as a dry
        // run: no decision here, so nothing is consumed, logged or sent.
        if (testReads.offer(s.scannerId, s.code)) return;
        decisions
          .scan({ code: s.code, gate: s.scannerId, receivedAt: s.receivedAt, source: 'scanner' })
          .catch((err: unknown) => log.error({ err, scanner: s.scannerId }, 'scan failed'));
      },
      onStatus: (h: ScannerHealth) => log.info({ scanner: h }, 'scanner status'),
      onDropped: (drop) => {
        metrics.scannerDrops.inc({ scanner: drop.scannerId, reason: drop.reason });
        log.warn({ drop }, 'scanner input dropped');
      },
    },
  });

  const annul = (eventId: string, staff?: string): Annulment => {
    const result = annulGrant(common, eventId, staff);
    metrics.annulments.inc();
    log.info(result, 'grant annulled');
    sse.broadcast('annul', result);
    occupancy.changed();
    tell({ kind: 'annul', annulment: result });
    wakeAll();
    return result;
  };

  const actions = occupancyActions({ desk: common, decisions, log, onDecision, wake: wakeAll });

  const syncPort = createSyncPort(state, clock, {
    self: { deviceId: config.deviceId, loungeId: config.loungeId },
    link,
    jwks,
    occupancy,
  });

  const health = (): Health => {
    const revocationSeq = state.invitations.revocationSeq();
    return buildHealth({
      deviceId: config.deviceId,
      loungeId: config.loungeId,
      revocationSeq,
      revocationLag: link.revocationLag(revocationSeq),
      lastSyncAt: syncPort.lastSyncAt(),
      mqtt: link.mqtt,
      scanners: scanners.map((s) => s.health()),
      uploads: readUploadHealth(state.db),
      clock: clockGuard.status(),
      storage: storage.status(),
      occupancy: occupancy.current(),
      nowMs: clock.now(),
    });
  };

  // The console's actions are thin calls to the occupancy actions (one source of truth).
  const desk = createDeskActions({
    verify: (code, gate) => decisions.verify(code, gate),
    annul,
    actions,
  });
  const consoleApp: ConsoleApp | undefined = config.console
    ? createConsoleApp({
        clock,
        log,
        loungeId: config.loungeId,
        desk,
        staff: state.staff,
        secure: config.console.tls !== null,
        subscribe: (l) => {
          listeners.add(l);
          return () => listeners.delete(l);
        },
        box: {
          health,
          recent: (sinceMs, limit) => state.deskLog.since(new Date(sinceMs).toISOString(), limit),
          counters: (sinceMs) => state.deskLog.counters(new Date(sinceMs).toISOString()),
          timeZone: deps.timeZone ?? (() => occupancy.config()?.timezone ?? localTimeZone()),
        },
        ...(deps.sseKeepAliveMs !== undefined && { sseKeepAliveMs: deps.sseKeepAliveMs }),
      })
    : undefined;
  let consoleServer: ServerType | undefined;

  const app = createApiApp({
    token: config.api.token,
    clock,
    log,
    sse,
    scan: (code, gate, receivedAt, scanId) =>
      decisions.scan({ code, gate, receivedAt, source: 'api', ...(scanId && { scanId }) }),
    verify: (code, gate) => decisions.verify(code, gate),
    testScanner: async (scannerId, timeoutMs, signal) => {
      if (!scanners.some((x) => x.id === scannerId)) {
        throw new ProblemError('NOT_FOUND', `no scanner ${scannerId} in this agent's config`);
      }
      log.info(
        { scanner: scannerId, timeoutMs },
        'scanner test: taking the next read as a dry run',
      );
      const code = await testReads.take(scannerId, timeoutMs, signal);
      if (code === undefined) {
        throw new ProblemError(
          'NO_SCAN',
          `nothing was read on ${scannerId} within ${timeoutMs} ms`,
        );
      }
      const decision = await decisions.verify(code, scannerId);
      const text = typeof code === 'string' ? code : new TextDecoder().decode(code);
      return { code: text.trim(), decision };
    },
    annul,
    passage: (input) => actions.recordExit(input),
    health,
    metrics: async () => ({
      contentType: metrics.registry.contentType,
      body: await metrics.registry.metrics(),
    }),
  });

  let server: ServerType | undefined;
  let stopping: Promise<void> | undefined;

  const listen = (): Promise<AddressInfo> =>
    new Promise((resolve, reject) => {
      const s = serve({ fetch: app.fetch, hostname: config.api.host, port: config.api.port });
      server = s;
      s.once('error', reject);
      s.once('listening', () => resolve(s.address() as AddressInfo));
    });

  const agent: Agent = {
    config,
    state,
    metrics,
    log,
    syncPort,
    deviceKey: deps.deviceKey,
    async start() {
      storage.replenish();
      // A full disk recovers by itself once space is back: look every few seconds.
      stopStorageTimer = every(deps.timers ?? backgroundTimers, () => storage.replenish(), 5000);
      const cached = await jwks.load();
      const fetched = await jwks.refresh();
      if (!fetched && cached === 0) {
        log.error('no verification keys: cloud unreachable and no cached JWKS; denying all');
      } else if (!fetched) {
        log.warn({ kids: jwks.kids() }, 'cloud unreachable at start; using the cached JWKS');
      }
      occupancy.start();
      const address = await listen();
      let consoleUrl: string | undefined;
      if (consoleApp && config.console) {
        const bound = await listenConsole(consoleApp.app, config.console);
        consoleServer = bound.server;
        consoleUrl = bound.url;
        log.info({ url: consoleUrl }, 'desk console started');
      }
      extras = deps.subsystems?.(agent) ?? [];
      for (const x of extras) await x.start();
      for (const s of scanners) s.start();
      const host = address.address.includes(':') ? `[${address.address}]` : address.address;
      const url = `http://${host}:${address.port}`;
      log.info({ url, scanners: scanners.length }, 'lounge-edge started');
      return { host: address.address, port: address.port, url, ...(consoleUrl && { consoleUrl }) };
    },
    stop() {
      stopping ??= (async () => {
        stopStorageTimer?.();
        occupancy.stop();
        await Promise.allSettled(scanners.map((s) => s.stop()));
        for (const x of [...extras].reverse()) {
          await x.stop().catch((err: unknown) => log.error({ err }, 'subsystem stop failed'));
        }
        sse.closeAll();
        consoleApp?.close();
        if (consoleServer) await closeServer(consoleServer);
        if (server) await closeServer(server);
        await webhook?.drain();
        state.close();
        log.info('lounge-edge stopped');
      })();
      return stopping;
    },
    scan: (input) => decisions.scan(input),
    annul,
    desk,
    onActivity: (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    ...actions,
    health,
    heartbeatFacts: () => ({ health: health(), kids: jwks.kids(), freeBytes: storage.free() }),
    sseClients: () => sse.size,
  };
  return agent;
}

/**
 * Closes the HTTP server: requests in flight may finish (a decision waiting for a JWKS
 * refresh takes up to 2 s), keep-alive sockets are closed as soon as they go idle, and
 * whatever is still open after 3 s is cut.
 */
function closeServer(s: ServerType): Promise<void> {
  return new Promise<void>((resolve) => {
    const started = Date.now();
    const timer = setInterval(() => {
      if (!('closeIdleConnections' in s)) return;
      if (Date.now() - started > 3000) s.closeAllConnections();
      else s.closeIdleConnections();
    }, 25);
    s.close(() => {
      clearInterval(timer);
      resolve();
    });
  });
}
