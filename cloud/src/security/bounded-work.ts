/** Thrown when more work waits than the queue holds: the caller answers "busy" at once. */
export class WorkQueueFullError extends Error {
  readonly code = 'WORK_QUEUE_FULL';
  constructor() {
    super('too much work queued');
  }
}

/** Runs at most `concurrency` tasks at once; `maxQueued` more wait, beyond that they fail. */
export interface BoundedWork {
  run<T>(task: () => Promise<T>): Promise<T>;
  /** Tasks running plus tasks waiting. */
  pending(): number;
}

/**
 * A semaphore with a bounded queue. Password hashing runs on libuv's thread pool (4 threads,
 * shared with fs and dns); letting every login start an scrypt at once leaves no core for the
 * API, so the broker's logins go through one of these (SPEC.md section 6).
 */
export function createBoundedWork(o: { concurrency: number; maxQueued: number }): BoundedWork {
  let running = 0;
  const waiting: (() => void)[] = [];
  const release = () => {
    running--;
    const next = waiting.shift();
    if (next) {
      running++;
      next();
    }
  };
  return {
    async run(task) {
      if (running >= o.concurrency) {
        if (waiting.length >= o.maxQueued) throw new WorkQueueFullError();
        await new Promise<void>((resolve) => waiting.push(resolve));
      } else {
        running++;
      }
      try {
        return await task();
      } finally {
        release();
      }
    },
    pending: () => running + waiting.length,
  };
}
