import { readFileSync } from 'node:fs';

// Linux reports CPU time in clock ticks of 10 ms (USER_HZ 100 on every mainstream kernel).
const TICK_US = 10_000;

/**
 * CPU time (user + system, µs) of this process's main thread alone, from
 * /proc/self/task/<pid>/stat: what bounds req/s when other threads (the edge's decision
 * thread, the WAL checkpointer) run on another core. 10 ms resolution: use over runs of a
 * second or more. NaN where /proc is not there.
 */
export function mainThreadCpuUs(): number {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start at state (field 3).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * TICK_US;
  } catch {
    return Number.NaN;
  }
}
