import { spawn, type ChildProcess } from 'node:child_process';
import { constants } from 'node:os';
import { createInterface } from 'node:readline';
import { onTestFinished } from 'vitest';

/** Options for {@link spawnProcess}. */
export interface SpawnOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Resolve only once stdout or stderr prints a line matching this. */
  readyLine?: RegExp;
  /** How long to wait for `readyLine` (default 20 s). */
  timeoutMs?: number;
  /** SIGKILL it when the current test ends (default true; no effect outside a test). */
  killOnTestEnd?: boolean;
}

/** A child process under test, with its output captured line by line. */
export interface SpawnedProcess {
  child: ChildProcess;
  pid: number;
  /** Every stdout line so far (live: grows as the process prints). */
  stdoutLines: string[];
  /** Every stderr line so far (live). */
  stderrLines: string[];
  /** Resolves with the first line (stdout or stderr, past or future) matching `re`. */
  waitForLine(re: RegExp, timeoutMs?: number): Promise<string>;
  /** Sends `signal` (default SIGTERM) to the process group and waits for the exit code. */
  kill(signal?: NodeJS.Signals): Promise<number | null>;
  /** SIGKILL to the whole process group (a power cut), then waits for the exit. */
  killHard(): Promise<number | null>;
  /** Exit code once the process ended; null when a signal ended it. */
  exited: Promise<number | null>;
}

const exitHooks = new Set<() => void>();
let hooked = false;

/**
 * Runs `fn` (synchronous, fast) when this process ends: on exit, and on SIGTERM/SIGINT/SIGHUP.
 * Vitest ends its workers with SIGTERM (then SIGKILL 500 ms later), which skips `exit`
 * handlers unless someone listens for the signal. Returns a function that unregisters `fn`.
 */
export function onProcessExit(fn: () => void): () => void {
  if (!hooked) {
    hooked = true;
    const runAll = () => {
      for (const hook of [...exitHooks]) {
        exitHooks.delete(hook);
        try {
          hook();
        } catch {
          // best effort: the others must still run
        }
      }
    };
    process.on('exit', runAll);
    for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
      process.once(signal, () => {
        runAll();
        process.exit(128 + constants.signals[signal]);
      });
    }
  }
  exitHooks.add(fn);
  return () => void exitHooks.delete(fn);
}

const live = new Set<ChildProcess>();
const groups = new Set<number>(); // process groups we started, possibly outliving their leader

// Last line of defence: a worker that ends (or crashes) takes its children with it.
onProcessExit(() => {
  for (const pgid of groups) signalGroup(pgid, 'SIGKILL');
});

/** Signals the whole group (also what the process spawned); false once the group is empty. */
function signalGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    groups.delete(pgid); // ESRCH: nobody left in it
    return false;
  }
}

/**
 * Starts `cmd args` in its own process group and captures its output. Called inside a test,
 * the process is SIGKILLed when that test ends; called from a hook, kill it in `afterAll` (or
 * call {@link killAllProcesses}). Rejects if `readyLine` does not show up in time or the
 * process exits first.
 */
export async function spawnProcess(
  cmd: string,
  args: string[],
  opts: SpawnOptions = {},
): Promise<SpawnedProcess> {
  const child = spawn(cmd, args, {
    cwd: opts.cwd,
    env: opts.env ?? process.env,
    stdio: ['pipe', 'pipe', 'pipe'],
    detached: true,
  });
  if (child.pid === undefined) {
    await new Promise((resolve) => child.once('error', resolve));
    throw new Error(`could not start ${cmd}`);
  }
  live.add(child);
  groups.add(child.pid);
  const pid = child.pid;
  const stdoutLines: string[] = [];
  const stderrLines: string[] = [];
  const waiters = new Set<(line: string) => void>();
  const collect = (stream: NodeJS.ReadableStream, lines: string[]) =>
    createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => {
      lines.push(line);
      for (const w of [...waiters]) w(line);
    });
  collect(child.stdout!, stdoutLines);
  collect(child.stderr!, stderrLines);

  let exitCode: number | null | undefined;
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => {
      live.delete(child);
      // Forget the group once it is empty, so a recycled pid is never signalled.
      signalGroup(pid, 0);
      exitCode = code;
      resolve(code);
    });
  });

  // After exit, the last lines may still sit in the pipes: wait for them to close, or 200 ms
  // when a grandchild holds them open.
  const closed = new Promise((resolve) => child.once('close', resolve));
  const drained = exited.then(() =>
    Promise.race([closed, new Promise((resolve) => setTimeout(resolve, 200))]),
  );

  const waitForLine = (re: RegExp, timeoutMs = 20_000): Promise<string> => {
    const seen = [...stdoutLines, ...stderrLines].find((l) => l.search(re) >= 0);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const done = () => {
        waiters.delete(onLine);
        clearTimeout(timer);
      };
      const onLine = (line: string) => {
        if (line.search(re) < 0) return; // search, unlike test, ignores a /g lastIndex
        done();
        resolve(line);
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`${cmd}: no line matching ${re} after ${timeoutMs} ms\n${tail()}`));
      }, timeoutMs);
      waiters.add(onLine);
      void drained.then(() => {
        if (!waiters.has(onLine)) return;
        done();
        reject(new Error(`${cmd} exited (${String(exitCode)}) before printing ${re}\n${tail()}`));
      });
    });
  };
  const tail = () => [...stdoutLines.slice(-20), ...stderrLines.slice(-20)].join('\n');

  const kill = async (signal: NodeJS.Signals = 'SIGTERM') => {
    signalGroup(pid, signal);
    return exited;
  };
  const spawned: SpawnedProcess = {
    child,
    pid,
    stdoutLines,
    stderrLines,
    waitForLine,
    kill,
    killHard: () => kill('SIGKILL'),
    exited,
  };
  if (opts.killOnTestEnd !== false) {
    try {
      onTestFinished(() => spawned.killHard().then(() => undefined));
    } catch {
      // not inside a test: the caller owns the cleanup (afterAll)
    }
  }
  if (opts.readyLine) {
    try {
      await waitForLine(opts.readyLine, opts.timeoutMs);
    } catch (err) {
      await spawned.killHard();
      throw err;
    }
  }
  return spawned;
}

/** SIGKILLs every process {@link spawnProcess} started, with what they spawned. */
export async function killAllProcesses(): Promise<void> {
  const leaders = [...live].map((child) => new Promise((resolve) => child.once('exit', resolve)));
  for (const pgid of [...groups]) signalGroup(pgid, 'SIGKILL');
  await Promise.all(leaders);
}
