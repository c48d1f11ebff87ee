import { backgroundTimers, every, type Timers } from './timers.ts';

/** Options for {@link watchParent}; the process and the timers come in so tests drive them. */
export interface ParentWatchOptions {
  /** The current parent pid (`() => process.ppid`: Node reads it afresh on every access). */
  ppid: () => number;
  /** Called once, when the parent is gone. */
  onGone: () => void;
  /** Default: the global timers, unref'd (the watch alone must not keep the process up). */
  timers?: Timers;
  intervalMs?: number;
}

/**
 * Calls `onGone` once the process that started us has exited (we were re-parented). Why:
 * `npx lounge-edge` runs the bin under `npm exec` → `sh -c`; SIGTERM to npm reaches only the
 * shell, which dies without passing it on, and the agent would run on orphaned, holding its
 * port and serial device. Returns a function that stops watching.
 */
export function watchParent(options: ParentWatchOptions): () => void {
  const { ppid, onGone, timers = backgroundTimers, intervalMs = 500 } = options;
  const parent = ppid();
  let done = false;
  const cancel = every(
    timers,
    () => {
      if (done || ppid() === parent) return;
      done = true;
      cancel();
      onGone();
    },
    intervalMs,
  );
  return () => {
    done = true;
    cancel();
  };
}
