// The fleet's back end, as deployed: a private PostgreSQL, mosquitto with dynamic security
// (each box its own login, client id pinned), and two `lounge-cloud serve` child processes on
// that one database, each with its own broker login. Ports are free ones; stop() ends it all.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startMosquitto, type MosquittoBroker } from '@lounge/test-helpers/mosquitto';
import { startPostgres, type PostgresCluster } from '@lounge/test-helpers/postgres';
import { spawnProcess, type SpawnedProcess } from '@lounge/test-helpers/process';

export const FLEET_ADMIN_KEY = 'fleet-bench-admin-key-0123456789';
export const FLEET_LOUNGE = 'MAD-T4S-VELAZQUEZ';
/** Both instances sign and check device assertions for this audience (behind one name). */
export const FLEET_PUBLIC_URL = 'http://lounge-cloud.fleet.test';
const BIN = join(import.meta.dirname, '../../cloud/bin/lounge-cloud.js');

/** One cloud instance: its URL and process. */
export interface FleetCloud {
  url: string;
  pid: number;
  proc: SpawnedProcess;
}

export interface FleetStack {
  pg: PostgresCluster;
  databaseUrl: string;
  broker: MosquittoBroker;
  /** The broker login the bench's own monitor client uses (a dynsec admin). */
  monitorLogin: { username: string; password: string };
  clouds: FleetCloud[];
  /** An admin-authenticated call to instance `i`. */
  api(i: number, method: string, path: string, body?: unknown): Promise<Response>;
  /** CPU seconds (user + system) used so far by each named process of the stack. */
  cpuSeconds(): Record<string, number>;
  stop(): Promise<void>;
}

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/**
 * utime + stime of a process from /proc/PID/stat, in seconds (0 once it is gone); with
 * `reaped`, also the CPU of its children that ended (a postmaster's closed backends).
 */
export function processCpuSeconds(pid: number, reaped = false): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat
      .slice(stat.lastIndexOf(')') + 2)
      .split(' ')
      .map(Number);
    const own = f[11]! + f[12]!;
    return (reaped ? own + f[13]! + f[14]! : own) / TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

/** The pids whose parent is `ppid` (a postmaster's backends). */
function childrenOf(ppid: number): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppidField = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1];
      if (Number(ppidField) === ppid) out.push(Number(name));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** The pid of the mosquitto that runs this broker's config file. */
function mosquittoPid(broker: MosquittoBroker): number | undefined {
  const conf = join(broker.dir, 'mosquitto.conf');
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const cmd = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0');
      if (cmd[0]?.endsWith('mosquitto') && cmd.includes(conf)) return Number(name);
    } catch {
      // gone meanwhile
    }
  }
  return undefined;
}

async function startCloudProcess(env: Record<string, string>): Promise<FleetCloud> {
  const proc = await spawnProcess('node', [BIN, 'serve'], {
    env: { ...process.env, ...env },
    readyLine: /lounge-cloud listening/,
    timeoutMs: 90_000,
    killOnTestEnd: false,
  });
  const line = await proc.waitForLine(/lounge-cloud listening/);
  const { port } = JSON.parse(line) as { port: number };
  return { url: `http://127.0.0.1:${port}`, pid: proc.pid, proc };
}

/** Starts PostgreSQL, mosquitto (dynsec, no persistence) and `instances` cloud processes. */
export async function startFleetStack(opts: { instances?: number } = {}): Promise<FleetStack> {
  const admin = { adminUser: 'lounge-cloud-0', adminPassword: 'fleet-dynsec-secret-0' };
  const [pg, broker] = await Promise.all([
    startPostgres(),
    startMosquitto({ dynsec: admin, config: 'max_connections 10000' }),
  ]);
  const clouds: FleetCloud[] = [];
  const stop = async () => {
    await Promise.all(clouds.map((c) => c.proc.kill('SIGTERM')));
    await Promise.all([broker.stop(), pg.stop()]);
  };
  try {
    const databaseUrl = await pg.createDatabase('fleet');
    const logins = [{ username: admin.adminUser, password: admin.adminPassword }];
    for (let i = 1; i <= (opts.instances ?? 2); i++) {
      const login = { username: `lounge-cloud-${i}`, password: `fleet-dynsec-secret-${i}` };
      await broker.dynsec(['createClient', login.username, '-p', login.password]);
      await broker.dynsec(['addClientRole', login.username, 'admin']);
      logins.push(login);
    }
    // One after the other: the first runs the migrations.
    for (let i = 0; i < (opts.instances ?? 2); i++) {
      const login = logins[i + 1]!;
      clouds.push(
        await startCloudProcess({
          HOST: '127.0.0.1',
          PORT: '0',
          PUBLIC_URL: FLEET_PUBLIC_URL,
          DATABASE_URL: databaseUrl,
          MQTT_URL: broker.url,
          MQTT_USERNAME: login.username,
          MQTT_PASSWORD: login.password,
          MQTT_DYNSEC: '1',
          MQTT_CLIENT_ID: `lounge-cloud-fleet-${i}`,
          INTEGRATIONS: 'stub',
          RATE_LIMIT: '0',
          BOOTSTRAP_ADMIN_KEY: FLEET_ADMIN_KEY,
          KEY_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64'),
          LOG_LEVEL: 'info',
          LOG_FORMAT: 'json',
        }),
      );
    }
    const api: FleetStack['api'] = (i, method, path, body) =>
      fetch(clouds[i % clouds.length]!.url + path, {
        method,
        headers: { authorization: `Bearer ${FLEET_ADMIN_KEY}`, 'content-type': 'application/json' },
        ...(body !== undefined && { body: JSON.stringify(body) }),
      });
    // The first start adds the cloud role to its own login (mosquitto reconnects it once).
    for (let i = 0; i < clouds.length; i++) {
      const deadline = Date.now() + 30_000;
      while ((await api(i, 'GET', '/readyz')).status !== 200) {
        if (Date.now() > deadline) throw new Error(`cloud ${i} not ready after 30 s`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    const put = await api(0, 'PUT', `/v1/lounges/${FLEET_LOUNGE}`, {
      airport: 'MAD',
      name: 'Velazquez',
      timezone: 'Europe/Madrid',
    });
    if (!put.ok) throw new Error(`PUT lounge answered ${put.status}: ${await put.text()}`);
    const postmaster = Number(
      readFileSync(join(pg.dataDir, 'postmaster.pid'), 'utf8').split('\n')[0],
    );
    return {
      pg,
      databaseUrl,
      broker,
      monitorLogin: logins[0]!,
      clouds,
      api,
      cpuSeconds() {
        const out: Record<string, number> = {};
        clouds.forEach((c, i) => (out[`cloud${i}`] = processCpuSeconds(c.pid)));
        // Looked up each time: a broker restart starts a new process.
        const mq = mosquittoPid(broker);
        out.mosquitto = mq ? processCpuSeconds(mq) : 0;
        out.postgres = childrenOf(postmaster)
          .map((pid) => processCpuSeconds(pid))
          .reduce((a, b) => a + b, processCpuSeconds(postmaster, true));
        return out;
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
