import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hashPin, openEdgeState, verifyPin } from '@lounge/edge-agent';
import { afterAll, describe, expect, it } from 'vitest';
import { oneLine, provision, tempDir } from './cli-harness.ts';

// console, add-staff and remove-staff through the real bin, on a config the agent accepts.
const { dir, cleanup } = tempDir();
afterAll(cleanup);

const config = join(dir, 'config.json');
writeFileSync(join(dir, 'device-key.json'), '{}', { mode: 0o600 });
writeFileSync(
  config,
  JSON.stringify({
    deviceId: 'dev_01JDQ5S3Z4W8X9Y0ABCDEFGHJK',
    loungeId: 'MAD-T4S-VELAZQUEZ',
    cloudUrl: 'http://cloud.test',
    issuer: 'http://cloud.test',
    deviceKeyFile: 'device-key.json',
    dataDir: 'state',
    api: { host: '127.0.0.1', port: 8081, token: 'a-token-of-16-chars-or-more' },
  }),
);
const staffHash = (name: string) => {
  const state = openEdgeState({ file: join(dir, 'state', 'edge.db') });
  try {
    return state.staff.find(name)?.pinHash;
  } finally {
    state.close();
  }
};

describe('console / add-staff / remove-staff', () => {
  it('writes the console block, keeping the rest of the file', async () => {
    const r = await provision([
      'console',
      '--config',
      config,
      '--host',
      '0.0.0.0',
      '--port',
      '8088',
    ]);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toMatch(/desk console set to http:\/\/.+:8088\//);
    const written = JSON.parse(readFileSync(config, 'utf8')) as Record<string, unknown>;
    expect(written.console).toEqual({ host: '0.0.0.0', port: 8088, tls: null });
    expect(written.loungeId).toBe('MAD-T4S-VELAZQUEZ');
    const bad = await provision(['console', '--config', config, '--host', 'h', '--port', '99999']);
    expect(bad.code).toBe(2);
    expect(oneLine(bad.stderr)).toContain('--port must be 1-65535');
    const half = await provision([
      'console',
      '--config',
      config,
      '--host',
      'h',
      '--port',
      '1',
      '--tls-cert',
      'c.pem',
    ]);
    expect(oneLine(half.stderr)).toContain('--tls-cert and --tls-key go together');
  });

  it('adds staff with a PIN from stdin, stored only as a hash; a new PIN replaces it', async () => {
    const r = await provision(['add-staff', '--config', config, '--name', 'Ana'], {
      input: '123456\n',
    });
    expect(r).toMatchObject({ code: 0, stdout: 'added staff Ana\n' });
    const hash = staffHash('Ana')!;
    expect(hash).toMatch(/^scrypt\$/);
    expect(await verifyPin('123456', hash)).toBe(true);
    const again = await provision(['add-staff', '--config', config, '--name', 'Ana'], {
      input: '654321\n',
    });
    expect(again.stdout).toBe('set a new PIN for staff Ana\n');
    expect(await verifyPin('654321', staffHash('Ana')!)).toBe(true);
    expect(readFileSync(join(dir, 'state', 'edge.db')).includes('654321')).toBe(false);
  });

  it('refuses a short PIN and a bad name, changing nothing', async () => {
    const short = await provision(['add-staff', '--config', config, '--name', 'Luis'], {
      input: '12345\n',
    });
    expect(short.code).toBe(1);
    expect(oneLine(short.stderr)).toContain('6 or more digits');
    expect(staffHash('Luis')).toBeUndefined();
    const name = await provision(['add-staff', '--config', config, '--name', '<b>'], {
      input: '123456\n',
    });
    expect(name.code).toBe(2);
    expect(oneLine(name.stderr)).toContain('--name must be');
  });

  it('removes staff; an unknown name is an error', async () => {
    const r = await provision(['remove-staff', '--config', config, '--name', 'Ana']);
    expect(r).toMatchObject({ code: 0 });
    expect(staffHash('Ana')).toBeUndefined();
    const again = await provision(['remove-staff', '--config', config, '--name', 'Ana']);
    expect(again.code).toBe(1);
    expect(oneLine(again.stderr)).toBe(
      'lounge-provision: There is no staff member Ana on this box.',
    );
  });

  it('answers --help for each verb', async () => {
    for (const verb of ['console', 'add-staff', 'remove-staff']) {
      const r = await provision([verb, '--help']);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`lounge-provision ${verb}`);
    }
    expect(await hashPin('123456')).not.toBe(await hashPin('123456'));
  });
});
