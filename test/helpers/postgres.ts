import { execFile, execFileSync } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort } from './ports.ts';
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
  /** Fast stop, then start again on the same port (for outage tests). */
  restart(): Promise<void>;
  /** Immediate stop and removal of every file. Safe to call twice. */
  stop(): Promise<void>;
}

const running = new Set<string>();

// A crashed test file must not leave postmasters behind.
process.on('exit', () => {
  for (const dataDir of running) {
    try {
      const [cmd, argv] = pgCommand('pg_ctl', ['-D', dataDir, '-m', 'immediate', 'stop']);
      execFileSync(cmd, argv, { cwd: tmpdir(), stdio: 'ignore' });
    } catch {
      // already stopped
    }
  }
});

function pgBin(name: string): string {
  const dir = postgresBinDir();
  if (!dir) throw new Error('PostgreSQL server binaries not found: apt-get install postgresql');
  return join(dir, name);
}

// Root may not run initdb or pg_ctl: as root, run them as the `postgres` OS user.
const isRoot = process.getuid?.() === 0;
function pgCommand(name: string, args: string[]): [string, string[]] {
  return isRoot ? ['runuser', ['-u', 'postgres', '--', pgBin(name), ...args]] : [pgBin(name), args];
}

async function pgRun(name: string, args: string[]): Promise<string> {
  const [cmd, argv] = pgCommand(name, args);
  try {
    const { stdout } = await execFileP(cmd, argv, { cwd: tmpdir(), encoding: 'utf8' });
    return stdout;
  } catch (err) {
    const e = err as Error & { stderr?: string; stdout?: string };
    throw new Error(`${name} ${args.join(' ')} failed: ${e.stderr || e.stdout || e.message}`);
  }
}

function postgresUid(): { uid: number; gid: number } {
  const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
  return { uid, gid };
}

/** Polls until the server answers `SELECT 1` (pg_ctl -w can return before TCP is up). */
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
 * Starts a throw-away PostgreSQL cluster in /tmp on a free port: initdb (trust, no fsync),
 * pg_ctl start, and waits until it accepts connections. Never touches the system service.
 */
export async function startPostgres(): Promise<PostgresCluster> {
  const root = mkdtempSync(join(tmpdir(), 'lounge-pg-'));
  if (isRoot) {
    const { uid, gid } = postgresUid();
    chownSync(root, uid, gid);
  }
  const dataDir = join(root, 'data');
  const port = await freePort();
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  const serverOpts = [
    `-p ${port}`,
    `-k ${root}`,
    '-c listen_addresses=127.0.0.1',
    '-c fsync=off',
    '-c synchronous_commit=off',
    '-c full_page_writes=off',
    '-c max_connections=200',
  ].join(' ');
  const start = async () => {
    await pgRun('pg_ctl', [
      '-D',
      dataDir,
      '-l',
      join(root, 'server.log'),
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
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await pgRun('pg_ctl', ['-D', dataDir, '-m', 'immediate', '-w', 'stop']).catch(() => undefined);
    running.delete(dataDir);
    rmSync(root, { recursive: true, force: true });
  };

  try {
    await pgRun('initdb', [
      '-D',
      dataDir,
      '-A',
      'trust',
      '-U',
      'postgres',
      '-E',
      'UTF8',
      '--no-sync',
      '--no-instructions',
    ]);
    await start();
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
    async restart() {
      await pgRun('pg_ctl', ['-D', dataDir, '-m', 'fast', '-w', 'stop']);
      running.delete(dataDir);
      await start();
    },
    stop,
  };
}
