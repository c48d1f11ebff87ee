import {
  Pause,
  backgroundTimers,
  backoffDelay,
  systemClock,
  ulid,
  type Clock,
  type TimerHandle,
  type Timers,
} from '@lounge/shared';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { Fetch } from '../jwks-cache.ts';
import { UploadQueue, type Batch, type Db } from '../state/index.ts';
import { IbdpClient, type SendResult } from './ibdp-client.ts';
import { createUploadMetrics, type UploadMetrics } from './metrics.ts';
import { readUploadHealth, type UploadHealth } from './upload-health.ts';

export interface UploaderOptions {
  db: Db;
  ibdp: { url: string; token: string };
  fetch: Fetch;
  log: Logger;
  clock?: Clock;
  timers?: Timers;
  random?: () => number;
  registry?: Registry;
  /** Records per batch, at most 500 (SPEC.md 8). */
  batchSize?: number;
  /** How long an idle uploader sleeps before looking again (a `wake()` cuts it short). */
  idleMs?: number;
  /** After a wake, wait this long so a burst of decisions travels in one batch. */
  lingerMs?: number;
  /** Exponential backoff with jitter after a failure. */
  backoff?: { baseMs: number; maxMs: number };
  /** Longest Retry-After honoured as is. */
  maxRetryAfterMs?: number;
  /** Uploaded rows are deleted after this long (default 7 days); pending rows never. */
  retentionMs?: number;
  pruneIntervalMs?: number;
  timeoutMs?: number;
  newBatchId?: () => string;
}

const DAY_MS = 24 * 3600_000;

/**
 * Uploads the access log to IBDP (SPEC.md 8): in order, at least once, batches of <= 500 whose
 * membership and Idempotency-Key are fixed in SQLite before the first send, so a retry or a
 * kill -9 and restart sends the same records under the same key.
 */
export class IbdpUploader {
  private readonly queue: UploadQueue;
  private readonly client: IbdpClient;
  private readonly clock: Clock;
  private readonly timers: Timers;
  private readonly pause: Pause;
  private readonly metrics: UploadMetrics | undefined;
  private loop: Promise<void> | undefined;
  private pruneTimer: TimerHandle | undefined;
  private stopped = false;
  private readonly abort = new AbortController();
  private failures = 0;

  constructor(private readonly opts: UploaderOptions) {
    this.clock = opts.clock ?? systemClock;
    this.timers = opts.timers ?? backgroundTimers;
    this.pause = new Pause(this.timers);
    this.queue = new UploadQueue(opts.db);
    this.client = new IbdpClient({
      ...opts.ibdp,
      fetch: opts.fetch,
      now: () => this.clock.now(),
      timeoutMs: opts.timeoutMs,
    });
    this.metrics = opts.registry && createUploadMetrics(opts.registry);
  }

  start(): void {
    if (this.loop || this.stopped) return;
    this.loop = this.run();
    this.schedulePrune(0);
  }

  /** A decision was recorded: upload it soon (SPEC.md 8: within 5 s). */
  wake(): void {
    this.pause.wake();
  }

  /** Ends the loop after the request in flight (if any) settles; nothing is lost either way. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.pruneTimer !== undefined) this.timers.clearTimeout(this.pruneTimer);
    this.pause.cancel();
    // A hanging IBDP must not hold up shutdown: the batch stays formed and goes after restart.
    this.abort.abort();
    await this.loop;
  }

  /** What `/healthz` shows of the uploads. */
  status(): UploadHealth {
    return readUploadHealth(this.opts.db);
  }

  /** Deletes uploaded rows past the retention period. */
  prune(): number {
    const n = this.queue.prune(this.clock.now() - (this.opts.retentionMs ?? 7 * DAY_MS));
    if (n > 0) this.opts.log.info({ pruned: n }, 'uploaded access-log records pruned');
    return n;
  }

  private async run(): Promise<void> {
    const o = this.opts;
    const newId = o.newBatchId ?? (() => `upl_${ulid(this.clock.now())}`);
    while (!this.stopped) {
      let batch: Batch | undefined;
      try {
        batch = this.queue.next(o.batchSize ?? 500, newId);
      } catch (err) {
        o.log.error({ err }, 'reading the upload queue failed');
      }
      if (!batch) {
        await this.pause.wait(o.idleMs ?? 1000);
        if (!this.stopped && o.lingerMs) await this.pause.wait(o.lingerMs);
        continue;
      }
      const result = await this.client.send(batch.batchId, batch.records, this.abort.signal);
      await this.settle(batch, result);
    }
  }

  private async settle(batch: Batch, result: SendResult): Promise<void> {
    const { log } = this.opts;
    this.metrics?.batches.inc({ result: result.kind });
    if (result.kind === 'stored') {
      this.queue.markUploaded(batch, this.clock.now());
      this.metrics?.records.inc(batch.records.length);
      this.failures = 0;
      log.debug({ batchId: batch.batchId, records: batch.records.length }, 'batch uploaded');
      return;
    }
    const detail = result.kind === 'failed' ? result.error : `IBDP answered ${result.status}`;
    try {
      const at = new Date(this.clock.now()).toISOString();
      this.queue.markFailed({ at, status: result.status ?? null, detail });
    } catch (err) {
      log.error({ err }, 'recording the upload error failed');
    }
    let delayMs: number;
    if (result.kind === 'retry-after') {
      delayMs = Math.min(result.delayMs, this.opts.maxRetryAfterMs ?? 10 * 60_000);
    } else {
      const { baseMs, maxMs } = this.opts.backoff ?? { baseMs: 1000, maxMs: 5 * 60_000 };
      delayMs = backoffDelay(this.failures, { baseMs, maxMs, random: this.opts.random });
    }
    this.failures++;
    log.warn(
      {
        batchId: batch.batchId,
        status: result.status,
        retryInMs: delayMs,
        ...('error' in result && { err: result.error }),
      },
      'IBDP upload failed; will retry the same batch',
    );
    await this.sleep(delayMs);
  }

  /** Sleeps through wakes: a new decision must not cut a backoff short. */
  private async sleep(ms: number): Promise<void> {
    const until = this.clock.now() + ms;
    while (!this.stopped) {
      const left = until - this.clock.now();
      if (left <= 0) return;
      await this.pause.wait(left);
    }
  }

  private schedulePrune(delayMs: number): void {
    this.pruneTimer = this.timers.setTimeout(() => {
      if (this.stopped) return;
      try {
        this.prune();
      } catch (err) {
        this.opts.log.error({ err }, 'access-log prune failed');
      }
      this.schedulePrune(this.opts.pruneIntervalMs ?? 3600_000);
    }, delayMs);
  }
}
