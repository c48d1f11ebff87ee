import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** Options of the background WAL checkpointer. */
export interface WalCheckpointerOptions {
  /** The database file (WAL mode; not `:memory:`). */
  file: string;
  /** How often the worker runs a passive checkpoint (ms). */
  everyMs?: number;
  /** Told once per distinct failure (and the worker carries on). */
  onError?: (message: string) => void;
}

// The worker's source: plain CommonJS, so it runs without a TypeScript loader (tsx, vitest).
// Errors are reported once per distinct message, not on every tick.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const done = new Int32Array(workerData.done);
let db;
let lastError = '';
const tick = () => {
  try {
    db ??= new Database(workerData.file, { fileMustExist: true });
    db.pragma('wal_checkpoint(PASSIVE)');
    lastError = '';
  } catch (err) {
    if (String(err) !== lastError) parentPort.postMessage((lastError = String(err)));
  }
};
const timer = setInterval(tick, workerData.everyMs);
parentPort.on('message', () => {
  clearInterval(timer);
  try { db?.close(); } catch {}
  Atomics.store(done, 0, 1);
  Atomics.notify(done, 0);
  parentPort.close();
});
`;

/**
 * Runs SQLite's WAL checkpoints on a worker thread with its own connection, so copying WAL
 * pages into the database file, and the fsync that follows, never stall a decision on the event
 * loop (they set the scan p99: docs/performance.md). Durability is unchanged: a commit is in
 * the WAL either way. The writer keeps a high auto-checkpoint limit as a fallback.
 */
export class WalCheckpointer {
  private readonly worker: Worker;
  private readonly done = new Int32Array(new SharedArrayBuffer(4));
  private closed = false;
  private exited = false;

  constructor(opts: WalCheckpointerOptions) {
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    const onError = opts.onError ?? ((m) => process.emitWarning(`WAL checkpointer: ${m}`));
    this.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { file: opts.file, everyMs: opts.everyMs ?? 200, driver, done: this.done.buffer },
    });
    this.worker.on('message', (m: string) => onError(m));
    this.worker.on('error', (err) => onError(String(err)));
    this.worker.on('exit', () => (this.exited = true));
    this.worker.unref();
  }

  /** Stops the worker; waits (at most 2 s) until its connection is closed. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.exited) return; // it died (reported through onError): nothing to wait for
    this.worker.postMessage('close');
    // Synchronous on purpose: the caller closes the database and may delete its folder next.
    Atomics.wait(this.done, 0, 0, 2000);
  }
}
