import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runToCompletion, startChild } from './children.ts';

/** The desk console's demo login (printed by the demo; never a real box's). */
export const DEMO_STAFF = { name: 'demo', pin: '123456' } as const;

/**
 * The field technician's part, done with the real `lounge-provision` CLI: `enroll` generates
 * the box's key and spends the one-time token, `add-scanner` configures the console scanner,
 * `console` turns on the desk console and `add-staff` (PIN on stdin) adds its demo login.
 */
export async function enrolEdge(opts: {
  bin: string;
  cloudUrl: string;
  token: string;
  config: string;
  dataDir: string;
  apiPort: number;
  consolePort: number;
  logFile: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
}): Promise<string> {
  const run = (verb: string, args: string[]) =>
    runToCompletion({
      name: `lounge-provision ${verb}`,
      script: opts.bin,
      args: [verb, ...args],
      env: opts.env,
      cwd: opts.cwd,
      logFile: opts.logFile,
    });
  // --force: a kept LOUNGE_DEMO_DIR already holds an enrolled box; enrol a fresh one.
  await run('enroll', [
    ...['--cloud', opts.cloudUrl, '--token', opts.token, '--config', opts.config],
    ...['--data-dir', opts.dataDir, '--api-port', String(opts.apiPort), '--name', 'demo-edge'],
    '--force',
  ]);
  await run('add-scanner', ['--config', opts.config, '--id', 'console', '--type', 'stdin']);
  await run('console', [
    ...['--config', opts.config, '--host', '127.0.0.1', '--port', String(opts.consolePort)],
  ]);
  const staff = startChild({
    name: 'lounge-provision add-staff',
    script: opts.bin,
    args: ['add-staff', '--config', opts.config, '--name', DEMO_STAFF.name],
    env: opts.env,
    cwd: opts.cwd,
    logFile: opts.logFile,
    stdin: 'pipe',
  });
  staff.stdin?.end(`${DEMO_STAFF.pin}\n`);
  const how = await staff.exited;
  if (how !== 'code 0') throw new Error(`add-staff failed (${how}); see ${opts.logFile}`);
  const config = JSON.parse(await readFile(opts.config, 'utf8')) as { deviceId?: string };
  if (!config.deviceId) throw new Error(`${opts.config} has no deviceId after enrolment`);
  return config.deviceId;
}

/**
 * The admin key the cloud bootstraps with. The cloud creates it only while no admin key exists,
 * so a kept data folder must reuse the first run's key: it is stored beside the database.
 */
export function loadAdminKey(dir: string): string {
  const file = join(dir, 'cloud', 'demo-admin-key');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const key = `demo-admin-${randomBytes(24).toString('base64url')}`;
  writeFileSync(file, `${key}\n`, { mode: 0o600 });
  return key;
}
