import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort, waitForPort } from './ports.ts';
import { onProcessExit, spawnProcess, type SpawnedProcess } from './process.ts';
import { run, which } from './tools.ts';

const execFileP = promisify(execFile);

/** Options for {@link startMosquitto}. */
export interface MosquittoOptions {
  /** Listen port (default: a free one). */
  port?: number;
  /** Extra mosquitto.conf lines appended to the generated file. */
  config?: string;
  /** Keep retained messages and sessions on disk across restarts (default false). */
  persistence?: boolean;
  /** Load the dynamic-security plugin with this admin login; anonymous logins are refused. */
  dynsec?: { adminUser: string; adminPassword: string };
}

/** A private mosquitto broker on 127.0.0.1. */
export interface MosquittoBroker {
  /** `mqtt://127.0.0.1:PORT` */
  url: string;
  port: number;
  /** Temp dir holding mosquitto.conf, the persistence file and dynamic-security.json. */
  dir: string;
  /** Graceful stop (SIGTERM: writes the persistence file) and removal of `dir`. */
  stop(): Promise<void>;
  /**
   * Runs `mosquitto_ctrl dynsec ARGS` against this broker as the dynsec admin (e.g.
   * `['createClient', 'cloud', '-p', 'pw']`) and returns its output. Only with `dynsec`.
   */
  dynsec(args: string[]): Promise<string>;
  /** SIGKILL, no goodbye and no persistence write (a crash). `restart()` brings it back. */
  kill(): void;
  /**
   * Stops (if running) and starts on the same port; `clean` deletes the persistence file
   * first (a broker that lost its retained messages); `whileDown` runs while nothing listens.
   */
  restart(opts?: { clean?: boolean; whileDown?: () => Promise<void> }): Promise<void>;
}

/** Path of mosquitto's dynamic-security plugin on this machine (any Debian arch). */
export function dynsecPluginPath(): string {
  const name = 'mosquitto_dynamic_security.so';
  const dirs = ['/usr/lib', '/usr/local/lib', '/usr/lib64'];
  if (existsSync('/usr/lib')) {
    for (const d of readdirSync('/usr/lib'))
      if (d.endsWith('-linux-gnu')) dirs.push(`/usr/lib/${d}`);
  }
  const found = dirs.map((d) => join(d, name)).find((p) => existsSync(p));
  if (found) return found;
  const listed = run('dpkg', ['-L', 'mosquitto'])
    .split('\n')
    .find((l) => l.endsWith(name));
  if (listed) return listed;
  throw new Error(`${name} not found: apt-get install mosquitto (2.0 or newer)`);
}

function configFile(port: number, dir: string, opts: MosquittoOptions): string {
  const lines = [
    `listener ${port} 127.0.0.1`,
    `allow_anonymous ${opts.dynsec ? 'false' : 'true'}`,
    `persistence ${opts.persistence ? 'true' : 'false'}`,
    `persistence_location ${dir}/`,
    'persistence_file mosquitto.db',
    // The default per-client queue (1000) silently drops QoS 1 bursts to offline sessions.
    'max_queued_messages 100000',
    'max_inflight_messages 100',
    'set_tcp_nodelay true',
    // stderr, not stdout: mosquitto's stdout is block-buffered on a pipe.
    'log_dest stderr',
    'log_type error',
    'log_type warning',
    'log_type notice',
    'log_type information',
    'log_timestamp_format %Y-%m-%dT%H:%M:%S',
  ];
  // Started as root, mosquitto drops to the `mosquitto` user: keep root so it can write `dir`.
  if (process.getuid?.() === 0) lines.push('user root');
  if (opts.dynsec) {
    lines.push(
      `plugin ${dynsecPluginPath()}`,
      `plugin_opt_config_file ${dir}/dynamic-security.json`,
    );
  }
  if (opts.config) lines.push(opts.config);
  return `${lines.join('\n')}\n`;
}

/**
 * Starts mosquitto with a generated config in a temp dir and waits until it accepts TCP
 * connections. Never uses the system service or port 1883 (unless asked to).
 */
export async function startMosquitto(opts: MosquittoOptions = {}): Promise<MosquittoBroker> {
  const bin = which('mosquitto');
  if (!bin) throw new Error('mosquitto not found: apt-get install mosquitto');
  const dir = mkdtempSync(join(tmpdir(), 'lounge-mqtt-'));
  const unhook = onProcessExit(() => rmSync(dir, { recursive: true, force: true }));
  const conf = join(dir, 'mosquitto.conf');
  let port = opts.port ?? 0;

  let proc: SpawnedProcess | undefined;
  let dying: Promise<unknown> | undefined; // a kill() the next start must wait for
  // "running" is logged once every listener is bound; a failed bind exits with code 1.
  const start = async () => {
    proc = await spawnProcess(bin, ['-c', conf], {
      readyLine: /mosquitto version \S+ running/,
      timeoutMs: 10_000,
      killOnTestEnd: false,
    });
    await waitForPort(port, 5_000);
  };
  const halt = async () => {
    const p = proc;
    proc = undefined;
    if (p) await p.kill('SIGTERM');
    await dying;
  };
  let stopped = false;

  try {
    if (opts.dynsec) {
      const ctrl = which('mosquitto_ctrl');
      if (!ctrl) throw new Error('mosquitto_ctrl not found: apt-get install mosquitto');
      const { adminUser, adminPassword } = opts.dynsec;
      const file = join(dir, 'dynamic-security.json');
      await execFileP(ctrl, ['dynsec', 'init', file, adminUser, adminPassword]);
    }
    // A port from freePort() can be taken before mosquitto binds it: try a few.
    for (let attempt = 1; ; attempt++) {
      if (!opts.port) port = await freePort();
      writeFileSync(conf, configFile(port, dir, opts));
      try {
        await start();
        break;
      } catch (err) {
        await halt();
        if (opts.port || attempt >= 3 || !/Address already in use/.test(String(err))) throw err;
      }
    }
  } catch (err) {
    await halt();
    rmSync(dir, { recursive: true, force: true });
    unhook();
    throw err;
  }
  return {
    url: `mqtt://127.0.0.1:${port}`,
    port,
    dir,
    async stop() {
      if (stopped) return;
      stopped = true;
      await halt();
      rmSync(dir, { recursive: true, force: true });
      unhook();
    },
    async dynsec(args) {
      const ctrl = which('mosquitto_ctrl');
      if (!opts.dynsec || !ctrl) throw new Error('this broker was started without dynsec');
      const { adminUser, adminPassword } = opts.dynsec;
      const login = ['-h', '127.0.0.1', '-p', String(port), '-u', adminUser, '-P', adminPassword];
      try {
        const { stdout } = await execFileP(ctrl, [...login, 'dynsec', ...args]);
        return stdout;
      } catch (err) {
        const e = err as Error & { stdout?: string; stderr?: string };
        throw new Error(
          `mosquitto_ctrl dynsec ${args.join(' ')}: ${e.stderr || e.stdout || e.message}`,
        );
      }
    },
    kill() {
      dying = proc?.killHard();
      proc = undefined;
    },
    async restart(restartOpts = {}) {
      await halt();
      if (restartOpts.clean) rmSync(join(dir, 'mosquitto.db'), { force: true });
      try {
        await restartOpts.whileDown?.();
      } finally {
        await start();
      }
    },
  };
}
