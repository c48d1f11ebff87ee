import {
  Pause,
  backgroundTimers,
  backoffDelay,
  every,
  type Clock,
  type Timers,
} from '@lounge/shared';
import type { Logger } from 'pino';
import type { CloudMetrics } from '../metrics.ts';
import { DatabaseUnavailableError } from '../store/errors.ts';
import type { CloudStore, OutboxKind } from '../store/port.ts';
import { deliver, type Deliverers } from './deliver.ts';

export interface DispatcherOptions {
  store: CloudStore;
  to: Deliverers;
  clock: Clock;
  /** Idle waits and lease renewal; default the global timers, unref'd. */
  timers?: Timers;
  log: Logger;
  metrics?: CloudMetrics;
  /** Unique per process: the lease owner. */
  worker: string;
  /** Safety-net poll for rows written by other instances (ms). */
  pollMs?: number;
  batchSize?: number;
  /** How long a claim holds without renewal: after a crash, the work is back this soon. */
  leaseMs?: number;
  backoff?: { baseMs: number; maxMs: number };
  random?: () => number;
  /** A lane whose target is known to be down claims nothing (no attempts burnt). */
  canDeliver?: Partial<Record<OutboxKind, () => boolean>>;
}

/** Delivers outbox rows: one lane per kind, so a slow CRM never delays an MQTT revocation. */
export interface Dispatcher {
  start(): void;
  /**
   * Called after a commit that wrote outbox rows: delivery starts now, not at the next poll;
   * with `dueAt` (rows held back by `notBefore`), it wakes again at that instant.
   */
  notify(dueAt?: number): void;
  /** Finishes the batches in flight and stops. */
  stop(): Promise<void>;
}

const KINDS: readonly OutboxKind[] = ['mqtt', 'crm', 'ibdp', 'broker'];

/** How long a claim holds without renewal by default (docs/operations.md quotes it). */
export const DEFAULT_LEASE_MS = 10_000;

export function createDispatcher(opts: DispatcherOptions): Dispatcher {
  const { store, clock, log, worker } = opts;
  const pollMs = opts.pollMs ?? 2000;
  const batchSize = opts.batchSize ?? 100;
  const leaseMs = opts.leaseMs ?? DEFAULT_LEASE_MS;
  const backoff = opts.backoff ?? { baseMs: 500, maxMs: 60_000 };
  const random = opts.random ?? Math.random;
  const timers = opts.timers ?? backgroundTimers;
  let running = false;
  // Each lane's idle wait: a notify during a pass is remembered, so the lane goes again. New
  // ones at each start: a cancelled Pause ends every wait at once.
  const pauses = new Map<OutboxKind, Pause>();
  // Per lane: when the batches this worker failed come due again (or rows written with a
  // `notBefore`, see notify), so they do not wait for the poll. A time leaves the set at the first claim after it (whether that claim took
  // the rows or another instance had them already).
  const retries = new Map<OutboxKind, Set<number>>(KINDS.map((k) => [k, new Set()]));
  const loops: Promise<void>[] = [];
  // Lanes with a batch in flight: while any is, the leases are renewed (a slow upstream with
  // retries may take longer than one lease; a crashed process stops renewing).
  let inFlight = 0;
  let stopRenewing: (() => void) | undefined;

  function renewLeases(): void {
    store.renewOutboxLeases(worker, clock.now(), leaseMs).catch((err: unknown) => {
      log.error({ err }, 'outbox lease renewal failed');
    });
  }

  async function leased<T>(work: () => Promise<T>): Promise<T> {
    if (inFlight++ === 0) {
      stopRenewing = every(timers, renewLeases, Math.max(1, Math.floor(leaseMs / 3)));
    }
    try {
      return await work();
    } finally {
      if (--inFlight === 0) stopRenewing?.();
    }
  }

  /** One pass: claim due rows of a kind, deliver, record; returns how many were delivered. */
  async function pass(kind: OutboxKind): Promise<number> {
    if (opts.canDeliver?.[kind]?.() === false) return 0;
    const claimAt = clock.now();
    const rows = await store.claimOutbox(worker, claimAt, batchSize, leaseMs, [kind]);
    // Retries due by now had their chance in this claim (taken, or held by another instance).
    const due = retries.get(kind)!;
    for (const at of due) if (at <= claimAt) due.delete(at);
    if (rows.length === 0) return 0;
    const result = await deliver(kind, rows, opts.to, (batchId, ids) =>
      store.assignOutboxBatch(worker, batchId, ids),
    );
    const now = clock.now();
    for (const id of result.delivered) await store.markOutboxDelivered(id, worker, now);
    opts.metrics?.outboxDelivered.inc({ kind }, result.delivered.length);
    if (result.failed.length > 0) {
      // One retry time for the whole failed batch, so it comes due together (an IBDP batch is
      // claimed whole anyway: its members and batch id are stored, see ibdpBatches).
      const failed = new Set(result.failed.map((f) => f.id));
      const attempts = Math.max(...rows.filter((r) => failed.has(r.id)).map((r) => r.attempts));
      const at = now + backoffDelay(attempts, { ...backoff, jitter: 'full', random });
      for (const { id, error } of result.failed)
        await store.markOutboxFailed(id, worker, error, at);
      due.add(at);
      opts.metrics?.outboxFailed.inc({ kind }, result.failed.length);
      log.warn(
        { kind, failed: result.failed.length, error: result.failed[0]!.error },
        'outbox delivery failed; will retry',
      );
    }
    return result.delivered.length;
  }

  async function lane(kind: OutboxKind, pause: Pause): Promise<void> {
    while (running) {
      let delivered = 0;
      try {
        delivered = await leased(() => pass(kind));
      } catch (err) {
        // The database away (a restart, a full pool): expected, the next pass picks up.
        if (err instanceof DatabaseUnavailableError) {
          log.warn({ kind, err: err.message }, 'outbox paused: database unavailable');
        } else log.error({ err, kind }, 'outbox pass failed');
      }
      // Delivered rows may have unblocked more (a full batch, the next event of an
      // invitation): go again at once. A notify during the pass ends the wait below at once.
      if (delivered > 0 && running) continue;
      // A lane waiting for its target (e.g. the broker connecting) looks again soon; one with
      // failed rows wakes when the first comes due.
      let wait = opts.canDeliver?.[kind]?.() === false ? Math.min(pollMs, 200) : pollMs;
      const due = retries.get(kind)!;
      if (due.size > 0) {
        wait = Math.min(wait, Math.max(0, Math.min(...due.values()) - clock.now()) + 5);
      }
      await pause.wait(wait);
    }
  }

  return {
    start() {
      if (running) return;
      running = true;
      for (const kind of KINDS) {
        const pause = new Pause(timers);
        pauses.set(kind, pause);
        loops.push(lane(kind, pause));
      }
    },
    notify(dueAt) {
      for (const kind of KINDS) {
        if (dueAt !== undefined && dueAt > clock.now()) retries.get(kind)!.add(dueAt);
        pauses.get(kind)?.wake();
      }
    },
    async stop() {
      running = false;
      for (const pause of pauses.values()) pause.cancel();
      await Promise.all(loops.splice(0));
    },
  };
}
