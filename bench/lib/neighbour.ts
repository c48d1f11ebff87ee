// A CPU-busy neighbour for latency figures: one child process spinning on a core, paused with
// SIGSTOP between busy phases (one spawn per bench, not one per round).
import { spawn, type ChildProcess } from 'node:child_process';

/** A spinning child process; `busy()` lets it run, `quiet()` stops it. */
export interface Neighbour {
  busy(): void;
  quiet(): void;
  close(): void;
}

/** Spawns the spinner, stopped. */
export function startNeighbour(): Neighbour {
  const child: ChildProcess = spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' });
  child.kill('SIGSTOP');
  return {
    busy: () => child.kill('SIGCONT'),
    quiet: () => child.kill('SIGSTOP'),
    close: () => {
      child.kill('SIGKILL');
    },
  };
}
