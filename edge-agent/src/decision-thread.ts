import { Worker } from 'node:worker_threads';
import { ProblemError, type ProblemCode } from '@lounge/shared';
import type { Logger } from 'pino';
import {
  recordScan,
  type RecordContext,
  type RecordOutcome,
  type ScanRecord,
} from './decision-record.ts';
import { GroupCommit } from './state/group-commit.ts';
import type { Db } from './state/index.ts';

/** Runs the durable step of each scan (`recordScan`) in a committed write transaction. */
export interface DecisionRecorder {
  /** Resolves once the transaction holding this scan is committed. */
  record(r: ScanRecord): Promise<RecordOutcome>;
  /** Tells the recorder the disk has room again (the storage guard's recovery). */
  storageRecovered(): void;
  close(): Promise<void>;
}

/**
 * On the event loop, over the agent's own connection: for `:memory:` state (tests) and when
 * asked for. Group commit: the scans of one turn share one transaction.
 */
export function inlineRecorder(
  db: Db,
  ctx: RecordContext,
  storage?: <T>(write: () => T) => T,
): DecisionRecorder & { waiting(): number } {
  const commits = new GroupCommit(db, storage);
  let waiting = 0;
  return {
    record: (r) => {
      waiting++;
      return commits.run(() => recordScan(ctx, r)).finally(() => waiting--);
    },
    waiting: () => waiting,
    storageRecovered: () => {},
    close: () => Promise.resolve(),
  };
}

/**
 * The thread when scans wait, the event loop when one comes alone: a lone scan recorded on the
 * event loop skips two thread wake-ups (idle p50 0.41 against 0.65 ms, docs/performance.md),
 * and scans that arrive while others are being recorded go to the thread, which takes their
 * SQLite work off the event loop. Both connections run each scan's reads and writes in one
 * IMMEDIATE transaction under the agent's write lock, so which one records a scan changes
 * nothing about what is decided.
 */
export function adaptiveRecorder(
  inline: DecisionRecorder & { waiting(): number },
  thread: DecisionRecorder & { waiting(): number },
): DecisionRecorder {
  return {
    record: (r) =>
      inline.waiting() === 0 && thread.waiting() === 0 ? inline.record(r) : thread.record(r),
    storageRecovered: () => thread.storageRecovered(),
    close: async () => {
      await thread.close();
      await inline.close();
    },
  };
}

/** What the decision thread is started with (`workerData`). */
export interface DecisionThreadData {
  /** The edge database file, already migrated by the agent. */
  file: string;
  /** The data dir: the storage reserve lives there. */
  dataDir: string;
  reserveBytes?: number;
  deviceId: string;
  loungeId: string;
  clockSkewSeconds: number;
  /** The agent's write lock (`WriteLock.buffer`), shared by both connections. */
  writeLock?: SharedArrayBuffer;
}

/** Main thread → decision thread. */
export type ToThread =
  | { type: 'records'; items: { id: number; record: ScanRecord }[] }
  | { type: 'storage-recovered' }
  | { type: 'close' };

/** An error as it crosses the thread boundary. */
export interface ThreadError {
  message: string;
  code?: string;
  problem?: { code: ProblemCode; extensions: Record<string, unknown> };
}

/** One scan's outcome, as it crosses back. */
export type ThreadResult =
  { id: number; ok: true; value: RecordOutcome } | { id: number; ok: false; error: ThreadError };

/** Decision thread → main thread. */
export type FromThread =
  | { type: 'ready' }
  | { type: 'results'; items: ThreadResult[] }
  | { type: 'storage'; problem: string }
  | { type: 'log'; level: 'error' | 'warn' | 'info'; msg: string; err?: ThreadError }
  | { type: 'closed' };

export function toThreadError(err: unknown): ThreadError {
  if (err instanceof ProblemError) {
    return { message: err.message, problem: { code: err.code, extensions: err.extensions } };
  }
  const e = err as { message?: unknown; code?: unknown } | null;
  return {
    message: typeof e?.message === 'string' ? e.message : String(err),
    ...(typeof e?.code === 'string' && { code: e.code }),
  };
}

export function fromThreadError(e: ThreadError): Error {
  if (e.problem) return new ProblemError(e.problem.code, e.message, e.problem.extensions);
  return Object.assign(new Error(e.message), e.code !== undefined ? { code: e.code } : {});
}

export interface DecisionThreadOptions extends DecisionThreadData {
  log: Logger;
  /** A storage problem the thread met (full disk), for the agent's storage guard. */
  onStorage: (problem: string) => void;
  /** Told when a thread has exited (the agent frees the write lock if it died holding it). */
  onExit?: () => void;
}

// Run from source (tests, benches, `tsx`), the thread loads TypeScript through tsx's loader and
// resolves the workspace packages to their sources, as its parent does; built, it is plain JS.
const FROM_SOURCE = import.meta.url.endsWith('.ts');

function startWorker(data: DecisionThreadData): Worker {
  const entry = new URL(`./decision-worker.${FROM_SOURCE ? 'ts' : 'js'}`, import.meta.url);
  if (!FROM_SOURCE) return new Worker(entry, { workerData: data });
  const tsx = import.meta.resolve('tsx/esm/api');
  const boot = `const { register } = await import(${JSON.stringify(tsx)});
register();
await import(${JSON.stringify(entry.href)});`;
  return new Worker(new URL(`data:text/javascript,${encodeURIComponent(boot)}`), {
    workerData: data,
    execArgv: ['--conditions=source'],
  });
}

/**
 * The durable step of every scan on a worker thread with its own connection to `edge.db`
 * (docs/performance.md): the SQLite transaction, its reads, the decision and its commit run
 * beside the event loop, which keeps HTTP, verification and the answers. A scan is answered
 * only once the thread has committed it, as inline. The thread's scans share transactions
 * (group commit) as they arrive while it is busy.
 *
 * If the thread dies, every scan in flight is refused (503 NOT_READY: not recorded, so not
 * granted) and the next scan starts a new one.
 */
export class DecisionThread implements DecisionRecorder {
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly inFlight = new Map<
    number,
    { resolve: (v: RecordOutcome) => void; reject: (e: Error) => void }
  >();
  private closing: Promise<void> | undefined;
  // Scans handed over in one turn of the event loop cross in one message each way: a message
  // wakes the other thread, and that wake-up costs more than the copy.
  private outbox: { id: number; record: ScanRecord }[] = [];

  constructor(private readonly opts: DecisionThreadOptions) {}

  /** Starts the thread now rather than at the first scan. */
  start(): void {
    this.thread();
  }

  /** Scans handed over and not yet answered. */
  waiting(): number {
    return this.inFlight.size;
  }

  record(record: ScanRecord): Promise<RecordOutcome> {
    if (this.closing) {
      return Promise.reject(new ProblemError('NOT_READY', 'the agent is stopping'));
    }
    const id = this.nextId++;
    return new Promise<RecordOutcome>((resolve, reject) => {
      this.inFlight.set(id, { resolve, reject });
      this.outbox.push({ id, record });
      if (this.outbox.length === 1) setImmediate(() => this.send());
    });
  }

  storageRecovered(): void {
    this.worker?.postMessage({ type: 'storage-recovered' } satisfies ToThread);
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      const w = this.worker;
      if (!w) return;
      const exited = new Promise<void>((r) => w.once('exit', () => r()));
      w.ref(); // the scans handed over are answered before the process may end
      this.send();
      w.postMessage({ type: 'close' } satisfies ToThread);
      await exited;
    })();
    return this.closing;
  }

  private send(): void {
    if (this.outbox.length === 0) return;
    const items = this.outbox;
    this.outbox = [];
    this.thread().postMessage({ type: 'records', items } satisfies ToThread);
  }

  private thread(): Worker {
    if (this.worker) return this.worker;
    const { log, onStorage, onExit, ...data } = this.opts;
    const w = startWorker(data);
    // The agent's HTTP server keeps the process alive; a forgotten thread must not.
    w.unref();
    this.worker = w;
    w.on('message', (m: FromThread) => {
      switch (m.type) {
        case 'results':
          for (const r of m.items) {
            const p = this.settle(r.id);
            if (r.ok) p?.resolve(r.value);
            else p?.reject(fromThreadError(r.error));
          }
          break;
        case 'storage':
          onStorage(m.problem);
          break;
        case 'log':
          log[m.level]({ ...(m.err && { err: m.err }), thread: 'decisions' }, m.msg);
          break;
        default:
          break;
      }
    });
    w.on('error', (err) => log.error({ err }, 'decision thread failed'));
    w.on('exit', (code) => {
      if (this.worker === w) this.worker = undefined;
      onExit?.();
      if (!this.closing)
        log.error({ code }, 'decision thread exited; a new one starts at the next scan');
      const lost = [...this.inFlight.values()];
      this.inFlight.clear();
      for (const p of lost) {
        p.reject(
          new ProblemError('NOT_READY', 'the decision was not recorded (decision thread stopped)'),
        );
      }
    });
    return w;
  }

  private settle(id: number) {
    const p = this.inFlight.get(id);
    this.inFlight.delete(id);
    return p;
  }
}
