/** Options for {@link watchParent}; the process and the timer come in so tests drive them. */
export interface ParentWatchOptions {
  /** The current parent pid (`() => process.ppid`: Node reads it afresh on every access). */
  ppid: () => number;
  /** Called once, when the parent is gone. */
  onGone: () => void;
  /** Runs `tick` every `ms` and returns a canceller (an unref'd setInterval in production). */
  every: (tick: () => void, ms: number) => () => void;
  intervalMs?: number;
}

/**
 * Calls `onGone` once the process that started us has exited (we were re-parented). Why:
 * `npx lounge-edge` runs the bin under `npm exec` → `sh -c`; SIGTERM to npm reaches only the
 * shell, which dies without passing it on, and the agent would run on orphaned, holding its
 * port and serial device. Returns a function that stops watching.
 */
export function watchParent(options: ParentWatchOptions): () => void {
  const { ppid, onGone, every, intervalMs = 500 } = options;
  const parent = ppid();
  let done = false;
  const cancel = every(() => {
    if (done || ppid() === parent) return;
    done = true;
    cancel();
    onGone();
  }, intervalMs);
  return () => {
    done = true;
    cancel();
  };
}
