// A CPU-busy neighbour for latency figures: one child process spinning on a core, paused with
// SIGSTOP between busy phases (one spawn per bench, not one per round).
import { spawn, type ChildProcess } from 'node:child_process';

/** A spinning child process; `busy()` lets it run, `quiet()` stops it. */
export interface Neighbour {
  busy(): void;
  quiet(): void;
  close(): void;
}

// Spins, and exits once orphaned (its parent id changes): a bench killed mid-run must not
// leave a core spinning on a shared machine. The parent is looked up every 2^24 iterations.
const SPIN = `const p = process.ppid;
for (let i = 1; ; i++) if ((i & 0xffffff) === 0 && process.ppid !== p) process.exit(0);`;

/** Spawns the spinner, stopped. */
export function startNeighbour(): Neighbour {
  const child: ChildProcess = spawn(process.execPath, ['-e', SPIN], { stdio: 'ignore' });
  child.kill('SIGSTOP');
  return {
    busy: () => child.kill('SIGCONT'),
    quiet: () => child.kill('SIGSTOP'),
    close: () => {
      child.kill('SIGKILL');
    },
  };
}
