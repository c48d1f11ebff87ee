import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { openDatabaseFile } from './db.ts';
import { DECISION_THREAD, MAIN_THREAD, shareWriteLock, WriteLock } from './write-lock.ts';

const holderOf = (lock: WriteLock) => new Int32Array(lock.buffer)[0];

// A thread that takes the lock as the decision thread would, holds it `ms`, then frees it.
function holdElsewhere(buffer: SharedArrayBuffer, ms: number, release = true) {
  const worker = new Worker(
    `const { workerData, parentPort } = require('node:worker_threads');
     const cell = new Int32Array(workerData.buffer);
     while (Atomics.compareExchange(cell, 0, 0, ${DECISION_THREAD}) !== 0) Atomics.wait(cell, 0, ${DECISION_THREAD}, 5);
     parentPort.postMessage('held');
     Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, workerData.ms);
     if (workerData.release) { Atomics.store(cell, 0, 0); Atomics.notify(cell, 0, 1); }`,
    { eval: true, workerData: { buffer, ms, release } },
  );
  return {
    held: new Promise<void>((r) => worker.once('message', () => r())),
    exited: new Promise<void>((r) => worker.once('exit', () => r())),
  };
}

describe('WriteLock', () => {
  it('waits for the other thread to let go, then holds it itself', async () => {
    const lock = new WriteLock(MAIN_THREAD);
    const other = holdElsewhere(lock.buffer, 60);
    await other.held;
    const t0 = performance.now();
    const seen = lock.hold(() => holderOf(lock));
    expect(performance.now() - t0).toBeGreaterThanOrEqual(30);
    expect(seen).toBe(MAIN_THREAD);
    expect(holderOf(lock)).toBe(0);
    await other.exited;
  });

  it('is re-entrant on one thread and freed when the function throws', () => {
    const lock = new WriteLock(MAIN_THREAD);
    expect(lock.hold(() => lock.hold(() => holderOf(lock)))).toBe(MAIN_THREAD);
    expect(() =>
      lock.hold(() => {
        throw new Error('write failed');
      }),
    ).toThrow('write failed');
    expect(holderOf(lock)).toBe(0);
  });

  it('frees a lock its holder died with', async () => {
    const lock = new WriteLock(MAIN_THREAD);
    const other = holdElsewhere(lock.buffer, 0, false);
    await other.exited;
    expect(holderOf(lock)).toBe(DECISION_THREAD);
    lock.releaseIfHeldBy(DECISION_THREAD);
    expect(lock.hold(() => holderOf(lock))).toBe(MAIN_THREAD);
  });
});

describe('shareWriteLock', () => {
  it('holds the lock for IMMEDIATE transactions and lone writes, not for reads', () => {
    const lock = new WriteLock(MAIN_THREAD);
    const db = openDatabaseFile(':memory:');
    shareWriteLock(db, lock);
    db.exec('CREATE TABLE t (v INTEGER)');
    const seen: Record<string, number | undefined> = {};
    db.function('holder', () => holderOf(lock) ?? 0);
    seen.immediate = db.transaction(() => holderOf(lock)).immediate();
    seen.deferred = db.transaction(() => holderOf(lock))();
    seen.read = (db.prepare('SELECT holder() AS h').get() as { h: number }).h;
    expect(seen).toEqual({ immediate: MAIN_THREAD, deferred: 0, read: 0 });
    // A lone write statement: the row records who held the lock while it ran.
    db.prepare('INSERT INTO t (v) VALUES (holder())').run();
    expect((db.prepare('SELECT v FROM t').get() as { v: number }).v).toBe(MAIN_THREAD);
    db.close();
  });
});
