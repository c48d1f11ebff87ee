import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { pathToFileURL } from 'node:url';

const ORPHAN_GUARD = pathToFileURL(join(import.meta.dirname, 'orphan-guard.js')).href;

/** A long-running child of the demo (the cloud, the edge agent). */
export interface Child {
  name: string;
  pid: number;
  logFile: string;
  /** The child's stdin, when it was started with `stdin: 'pipe'`. */
  stdin: Writable | null;
  /** Resolves with a one-line description of how it ended (`code 0`, `signal SIGKILL`). */
  exited: Promise<string>;
  /** True once it has exited. */
  hasExited(): boolean;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once it is gone. */
  stop(graceMs: number): Promise<void>;
}

/** What to start: `node <script> <args>`, output appended to `logFile`. */
export interface ChildSpec {
  name: string;
  script: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  cwd: string;
  logFile: string;
  stdin?: 'pipe' | 'ignore';
}

/**
 * Starts a child in its own process group with stdout and stderr going to its log file, so the
 * terminal shows only the demo's lines and a Ctrl-C reaches the demo alone: the demo then stops
 * the children in its own order, once each (a second signal makes them give up on a clean stop).
 * Being outside the demo's group, they carry `orphan-guard.js`, which stops them if the demo
 * dies without doing so.
 */
export function startChild(spec: ChildSpec): Child {
  const log = openSync(spec.logFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn(process.execPath, ['--import', ORPHAN_GUARD, spec.script, ...spec.args], {
      cwd: spec.cwd,
      env: { ...spec.env, LOUNGE_DEMO_PID: String(process.pid) },
      stdio: [spec.stdin ?? 'ignore', log, log],
      detached: true,
    });
  } finally {
    closeSync(log); // the child holds its own copy of the descriptor
  }
  if (child.pid === undefined) throw new Error(`could not start ${spec.name}`);
  const pid = child.pid;
  let done = false;
  const exited = new Promise<string>((resolve) => {
    child.once('exit', (code, signal) => {
      done = true;
      resolve(signal ? `signal ${signal}` : `code ${String(code)}`);
    });
    child.once('error', (err) => {
      done = true;
      resolve(err.message);
    });
  });
  // A demo that crashes must not leave servers behind on the demo's ports.
  const onExit = () => {
    if (!done) signal(pid, 'SIGKILL');
  };
  process.on('exit', onExit);
  void exited.then(() => process.off('exit', onExit));

  return {
    name: spec.name,
    pid,
    logFile: spec.logFile,
    stdin: child.stdin,
    exited,
    hasExited: () => done,
    async stop(graceMs) {
      if (done) return;
      signal(pid, 'SIGTERM');
      const timer = setTimeout(() => signal(pid, 'SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Signals the child's whole group: it takes anything it spawned with it. */
function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(-pid, sig);
  } catch {
    try {
      process.kill(pid, sig);
    } catch {
      // already gone
    }
  }
}

/** Runs `node <script> <args>` to completion, output appended to `logFile`; throws on failure. */
export async function runToCompletion(spec: Omit<ChildSpec, 'stdin'>): Promise<void> {
  const child = startChild(spec);
  const how = await child.exited;
  if (how !== 'code 0') {
    throw new Error(`${spec.name} failed (${how}); see its log: ${spec.logFile}`);
  }
}
