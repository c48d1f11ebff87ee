import {
  backoffDelay,
  type RevocationMessage,
  type TimerHandle,
  type Timers,
} from '@lounge/shared';
import type { Logger } from 'pino';
import type { RevocationResult } from '../state/index.ts';
import type { RevocationFeed } from './revocation-feed.ts';

/** The edge state the revocation sync reads and writes (a slice of the SyncPort). */
export interface RevocationPort {
  applyRevocation(msg: RevocationMessage): RevocationResult;
  revocationSeq(): number;
  markSynced(atMs?: number): void;
  markCloudContact(atMs?: number): void;
  /** The highest seq the cloud told of (for the lag in `/healthz`); optional. */
  observeRevocationHead?(seq: number): void;
  /** Runs `fn` in one SQLite transaction (a page of 1,000 in one commit); optional. */
  transaction?<T>(fn: () => T): T;
}

export interface RevocationSyncOptions {
  port: RevocationPort;
  feed: Pick<RevocationFeed, 'page'>;
  timers: Timers;
  log: Logger;
  pageSize?: number;
  /** Retry backoff of a failed catch-up. */
  retry?: { baseMs: number; maxMs: number };
  random?: () => number;
  /** Called after revocations were applied (the status message carries the seq). */
  onApplied?: (count: number) => void;
  /** Called after each catch-up with its outcome (metrics). */
  onCatchUp?: (ok: boolean) => void;
}

/**
 * Revocation seq rules (SPEC.md 6): a live message is applied when it is the next seq and
 * ignored when old; a gap, a head ahead of us or a (re)connect starts a catch-up that pages
 * through the cloud feed. Catch-ups never overlap: triggers during one coalesce into one more.
 */
export class RevocationSync {
  private head = 0;
  private running: Promise<void> | undefined;
  private again = false;
  private failures = 0;
  private retryTimer: TimerHandle | undefined;
  private stopped = false;

  constructor(private readonly opts: RevocationSyncOptions) {}

  /** The highest seq the cloud told us of (head message, feed, live message). */
  get headSeq(): number {
    return Math.max(this.head, this.opts.port.revocationSeq());
  }

  /** How many revocations we know exist but have not applied. */
  lag(): number {
    return Math.max(0, this.head - this.opts.port.revocationSeq());
  }

  private raiseHead(seq: number): void {
    if (seq <= this.head) return;
    this.head = seq;
    this.opts.port.observeRevocationHead?.(seq);
  }

  onRevocation(msg: RevocationMessage): RevocationResult {
    this.raiseHead(msg.seq);
    const result = this.opts.port.applyRevocation(msg);
    if (result === 'applied') this.opts.onApplied?.(1);
    if (result === 'gap') void this.trigger('gap');
    return result;
  }

  onHead(seq: number): void {
    this.raiseHead(seq);
    if (seq > this.opts.port.revocationSeq()) void this.trigger('head ahead');
    else this.opts.port.markSynced();
  }

  /** Starts a catch-up, or asks the running one to go again; resolves when caught up or failed. */
  trigger(reason: string): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.opts.log.debug({ reason }, 'revocation catch-up');
    this.running = this.loop().finally(() => (this.running = undefined));
    return this.running;
  }

  /** Resolves when no catch-up is running (tests, shutdown). */
  async settled(): Promise<void> {
    while (this.running) await this.running;
  }

  stop(): void {
    this.stopped = true;
    if (this.retryTimer !== undefined) this.opts.timers.clearTimeout(this.retryTimer);
  }

  private async loop(): Promise<void> {
    do {
      this.again = false;
      try {
        await this.catchUp();
        this.failures = 0;
        this.opts.onCatchUp?.(true);
      } catch (err) {
        if (this.stopped) return;
        this.opts.onCatchUp?.(false);
        this.scheduleRetry(err as Error);
        return;
      }
    } while (this.again && !this.stopped);
  }

  private scheduleRetry(err: Error): void {
    const { baseMs, maxMs } = this.opts.retry ?? { baseMs: 1000, maxMs: 60_000 };
    const delay = backoffDelay(this.failures++, {
      baseMs,
      maxMs,
      jitter: 'equal',
      random: this.opts.random,
    });
    this.opts.log.warn({ err: err.message, retryInMs: delay }, 'revocation catch-up failed');
    if (this.retryTimer !== undefined) this.opts.timers.clearTimeout(this.retryTimer);
    this.retryTimer = this.opts.timers.setTimeout(() => {
      this.retryTimer = undefined;
      void this.trigger('retry');
    }, delay);
  }

  private async catchUp(): Promise<void> {
    const { port, feed, log } = this.opts;
    const limit = this.opts.pageSize ?? 1000;
    let total = 0;
    for (;;) {
      if (this.stopped) return;
      const after = port.revocationSeq();
      const page = await feed.page(after, limit);
      if (this.stopped) return; // the database may be closing
      port.markCloudContact();
      this.raiseHead(page.lastSeq);
      const tx = port.transaction?.bind(port) ?? (<T>(fn: () => T): T => fn());
      const applied = tx(() => {
        let n = 0;
        for (const entry of page.entries) {
          const r = port.applyRevocation(entry);
          if (r === 'gap') break;
          if (r === 'applied') n++;
        }
        return n;
      });
      total += applied;
      if (applied > 0) this.opts.onApplied?.(applied);
      const now = port.revocationSeq();
      if (page.entries.length === 0 || now >= page.lastSeq) break;
      if (now === after) {
        // The feed skips seqs we need (pruned by the cloud?): nothing more can be applied.
        throw new Error(
          `revocation feed has no seq ${after + 1} (next is ${page.entries[0]?.seq})`,
        );
      }
    }
    port.markSynced();
    if (total > 0) log.info({ applied: total, seq: port.revocationSeq() }, 'revocations caught up');
  }
}
