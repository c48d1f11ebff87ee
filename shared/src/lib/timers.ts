/** An opaque timer handle (Node's Timeout, or whatever a fake returns). */
export type TimerHandle = unknown;

/**
 * One-shot timers, injected (as MQTT.js and balena-supervisor inject theirs) so tests move time
 * with `ManualTimers` instead of sleeping. Named like the globals they wrap.
 */
export interface Timers {
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

function nodeTimers(unref: boolean): Timers {
  return {
    setTimeout: (fn, ms) => {
      const timer = setTimeout(fn, Math.max(0, ms));
      // Optional call: a browser's timer is a number, and `shared` is bundled for the client.
      if (unref) (timer as { unref?: () => void }).unref?.();
      return timer;
    },
    clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
  };
}

/** The global timers: a pending one keeps the process alive (a CLI's backoff must). */
export const systemTimers: Timers = nodeTimers(false);

/**
 * The global timers, unref'd: a pending retry, poll or pause never keeps a stopping process
 * alive (a daemon's server and sockets are what keep it up).
 */
export const backgroundTimers: Timers = nodeTimers(true);

/**
 * Runs `tick` every `ms` until the returned function is called. A re-armed timeout rather than
 * `setInterval`, so the port stays two methods and any `Timers` (a fake too) drives it. A tick
 * that throws does not stop the next one (it is armed first), as with `setInterval`.
 */
export function every(timers: Timers, tick: () => void, ms: number): () => void {
  let handle: TimerHandle;
  let stopped = false;
  const arm = (): void => {
    handle = timers.setTimeout(() => {
      if (stopped) return;
      arm();
      tick();
    }, ms);
  };
  arm();
  return () => {
    stopped = true;
    timers.clearTimeout(handle);
  };
}
