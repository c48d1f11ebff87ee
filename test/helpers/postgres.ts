import { execFile, execFileSync } from 'node:child_process';
import { chownSync, mkdtempSync, readFileSync, rmSync, statfsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort } from './ports.ts';
import { onProcessExit } from './process.ts';
import { postgresBinDir } from './tools.ts';

const execFileP = promisify(execFile);

/** A private PostgreSQL cluster on 127.0.0.1, trust auth, superuser `postgres`. */
export interface PostgresCluster {
  /** `postgres://postgres@127.0.0.1:PORT/postgres` */
  url: string;
  port: number;
  /** The cluster's data directory (PGDATA). */
  dataDir: string;
  /** Creates an empty database and returns its URL. */
  createDatabase(name: string): Promise<string>;
  /**
   * Fast stop (sessions are cut), then start again on the same port, for outage tests;
   * `whileDown` runs while nothing listens.
   */
  restart(opts?: { whileDown?: () => Promise<void> }): Promise<void>;
  /** Immediate stop and removal of every file. Safe to call twice. */
  stop(): Promise<void>;
}

// Root may not run initdb or pg_ctl: as root, run them as the `postgres` OS user.
const isRoot = process.getuid?.() === 0;
const dirs = new Set<string>(); // every dir we made, removed at exit at the latest
const running = new Set<string>(); // data dirs with a live postmaster

// A crashed or SIGTERMed test file must leave neither postmasters nor data dirs behind.
onProcessExit(() => {
  for (const dataDir of running) {
    try {
      // SIGQUIT = immediate shutdown, without waiting: vitest SIGKILLs us 500 ms after SIGTERM.
      const pid = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
      if (pid > 0) process.kill(pid, 'SIGQUIT');
    } catch {
      // already stopped
    }
  }
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function pgCommand(name: string, args: string[]): [string, string[]] {
  const bin = postgresBinDir();
  if (!bin) throw new Error('PostgreSQL server binaries not found: apt-get install postgresql');
  const path = join(bin, name);
  return isRoot ? ['runuser', ['-u', 'postgres', '--', path, ...args]] : [path, args];
}

async function pgRun(name: string, args: string[]): Promise<void> {
  const [cmd, argv] = pgCommand(name, args);
  try {
    await execFileP(cmd, argv, { cwd: tmpdir(), encoding: 'utf8' });
  } catch (err) {
    const e = err as Error & { stderr?: string; stdout?: string };
    throw new Error(`${name} ${args.join(' ')} failed: ${e.stderr || e.stdout || e.message}`);
  }
}

/** A fresh dir the postgres user owns; in RAM (/dev/shm) when there is room, else in /tmp. */
function makeDir(prefix: string): string {
  let base = tmpdir();
  try {
    const shm = statfsSync('/dev/shm');
    if (shm.bavail * shm.bsize > 1024 ** 3) base = '/dev/shm'; // Docker's default is 64 MB
  } catch {
    // no /dev/shm
  }
  const dir = mkdtempSync(join(base, prefix));
  dirs.add(dir);
  if (isRoot) {
    const id = (flag: string) =>
      Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(dir, id('-u'), id('-g'));
  }
  return dir;
}

// initdb costs seconds on a busy machine; copying its result costs a fraction of that.
let template: Promise<string> | undefined;
function templateDataDir(): Promise<string> {
  template ??= (async () => {
    const data = join(makeDir('lounge-pg-template-'), 'data');
    const args = ['-D', data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8'];
    // --no-locale: C collation accepts any encoding, whatever the machine's locale.
    await pgRun('initdb', [...args, '--no-locale', '--no-sync', '--no-instructions']);
    return data;
  })();
  template.catch(() => (template = undefined));
  return template;
}

/** Polls until the server answers `SELECT 1`. */
async function waitUntilReady(url: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1_000 });
    try {
      await client.connect();
      await client.query('SELECT 1');
      return;
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`PostgreSQL not ready at ${url}: ${String(err)}`);
      await new Promise((r) => setTimeout(r, 50));
    } finally {
      await client.end().catch(() => undefined);
    }
  }
}

/**
 * Starts a throw-away PostgreSQL cluster on a free port (trust auth, fsync off) and waits
 * until it accepts connections. Never touches the system service or port 5432.
 */
export async function startPostgres(): Promise<PostgresCluster> {
  const root = makeDir('lounge-pg-');
  const dataDir = join(root, 'data');
  const logFile = join(root, 'server.log');
  let port = 0;
  let url = '';
  const start = async () => {
    const serverOpts = [
      `-p ${port} -k ${root} -c listen_addresses=127.0.0.1`,
      '-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200',
    ].join(' ');
    await pgRun('pg_ctl', [
      '-D',
      dataDir,
      '-l',
      logFile,
      '-o',
      serverOpts,
      '-w',
      '-t',
      '30',
      'start',
    ]);
    running.add(dataDir);
    await waitUntilReady(url);
  };
  const readLog = () => {
    try {
      return readFileSync(logFile, 'utf8');
    } catch {
      return '';
    }
  };
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await pgRun('pg_ctl', ['-D', dataDir, '-m', 'immediate', '-w', 'stop']).catch(() => undefined);
    running.delete(dataDir);
    rmSync(root, { recursive: true, force: true });
    dirs.delete(root);
  };

  try {
    // cp -a keeps the postgres ownership and the 0700 mode the server insists on.
    await execFileP('cp', ['-a', await templateDataDir(), dataDir]);
    // A port from freePort() can be taken before the postmaster binds it: try a few.
    for (let attempt = 1; ; attempt++) {
      port = await freePort();
      url = `postgres://postgres@127.0.0.1:${port}/postgres`;
      try {
        await start();
        break;
      } catch (err) {
        const log = readLog();
        if (attempt >= 3 || !/could not (bind|create listen)/.test(log)) {
          throw new Error(`${String(err)}\n${log.slice(-2000)}`);
        }
      }
    }
  } catch (err) {
    await stop();
    throw err;
  }

  return {
    url,
    port,
    dataDir,
    async createDatabase(name) {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`);
      } finally {
        await client.end();
      }
      return `postgres://postgres@127.0.0.1:${port}/${encodeURIComponent(name)}`;
    },
    async restart(restartOpts = {}) {
      await pgRun('pg_ctl', ['-D', dataDir, '-m', 'fast', '-w', 'stop']);
      running.delete(dataDir);
      try {
        await restartOpts.whileDown?.();
      } finally {
        await start();
      }
    },
    stop,
  };
}
