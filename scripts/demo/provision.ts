import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runToCompletion } from './children.ts';

/**
 * The field technician's part, done with the real `lounge-provision` CLI: `enroll` generates
 * the box's key and spends the one-time token, `add-scanner` configures the console scanner.
 */
export async function enrolEdge(opts: {
  bin: string;
  cloudUrl: string;
  token: string;
  config: string;
  dataDir: string;
  apiPort: number;
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
