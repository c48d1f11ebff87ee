import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const BIN = join(import.meta.dirname, '../../bin/lounge-cloud.js');
const dir = mkdtempSync(join(tmpdir(), 'cloud-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs `lounge-cloud …` and returns its exit code and output. */
function run(args: string[], env: Record<string, string> = {}) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      'node',
      [BIN, ...args],
      {
        env: {
          ...process.env,
          DATABASE_URL: `sqlite:${join(dir, 'cloud.db')}`,
          KEY_ENCRYPTION_KEY: Buffer.alloc(32, 1).toString('base64'),
          ...env,
        },
      },
      (err, stdout, stderr) => {
        const code = err ? ((err as { code?: number }).code ?? 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

// Each run starts node + tsx: slow on a loaded 2-core machine, hence the generous timeouts.
describe('lounge-cloud admin commands', { timeout: 120_000 }, () => {
  it('runs the admin verbs, one line each (JSON with --json)', async () => {
    const lounge = await run([
      'lounges',
      'add',
      '--id',
      'MAD-T4S-VELAZQUEZ',
      '--airport',
      'MAD',
      '--tz',
      'Europe/Madrid',
      '--name',
      'Velázquez',
    ]);
    expect(lounge).toMatchObject({ code: 0 });
    expect(lounge.stdout).toBe('lounge MAD-T4S-VELAZQUEZ saved (MAD, Europe/Madrid)\n');
    const sized = await run(
      'lounges add --id BCN-T1-MIRO --airport BCN --tz Europe/Madrid --name Miró --capacity 80 --hours 05:30-23:00'.split(
        ' ',
      ),
    );
    expect(sized.stdout).toBe(
      'lounge BCN-T1-MIRO saved (BCN, Europe/Madrid, capacity 80, open 05:30-23:00)\n',
    );
    const badHours = await run(
      'lounges add --id BCN-T1-MIRO --airport BCN --tz Europe/Madrid --name M --hours 5-23'.split(
        ' ',
      ),
    );
    expect(badHours).toMatchObject({ code: 1, stderr: expect.stringContaining('--hours') });
    const list = await run(['lounges', 'list']);
    expect(list.stdout).toBe(
      'BCN-T1-MIRO  BCN, Europe/Madrid, capacity 80, open 05:30-23:00  Miró\n' +
        'MAD-T4S-VELAZQUEZ  MAD, Europe/Madrid  Velázquez\n',
    );
    const token = await run([
      'enrollment-token',
      '--lounge',
      'MAD-T4S-VELAZQUEZ',
      '--ttl',
      '2h',
      '--json',
    ]);
    expect(token.code).toBe(0);
    const parsed = JSON.parse(token.stdout) as { token: string; expiresAt: string };
    expect(parsed.token).toMatch(/^let_/);
    const ttl = Date.parse(parsed.expiresAt) - Date.now();
    expect(ttl).toBeGreaterThan(7000_000);
    expect(ttl).toBeLessThanOrEqual(7200_000);
    const key = await run(['api-keys', 'create', '--role', 'app', '--name', 'mobile']);
    expect(key.stdout).toMatch(/^created app key \S+: lk_\S+\n$/);
    const rotate = await run(['signing-keys', 'rotate', '--json']);
    expect(JSON.parse(rotate.stdout)).toMatchObject({ kid: expect.any(String) });
  });

  it('lists API keys without secrets and revokes one, never the last admin key', async () => {
    const first = await run(['api-keys', 'create', '--role', 'admin', '--name', 'ops', '--json']);
    const { id, key } = JSON.parse(first.stdout) as { id: string; key: string };
    const last = await run(['api-keys', 'revoke', id]);
    expect(last.code).toBe(1);
    expect(last.stderr).toMatch(/^lounge-cloud: .*last live admin key.*\n$/);
    await run(['api-keys', 'create', '--role', 'admin', '--name', 'ops-2']);
    const revoked = await run(['api-keys', 'revoke', id]);
    expect(revoked).toMatchObject({ code: 0, stderr: '' });
    expect(revoked.stdout).toMatch(new RegExp(`^revoked admin key ${id} \\(ops\\) at \\S+Z\n$`));
    const list = await run(['api-keys', 'list']);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(
      new RegExp(`^${id}  admin  revoked \\S+Z  created \\S+  ops$`, 'm'),
    );
    expect(list.stdout).toMatch(/ {2}admin {2}active {2}created \S+ {2}ops-2$/m);
    expect(list.stdout).not.toContain(key.slice(-43));
    const json = JSON.parse((await run(['api-keys', 'list', '--json'])).stdout) as {
      items: Record<string, unknown>[];
    };
    expect(json.items.find((k) => k.id === id)).toMatchObject({ revokedAt: expect.any(String) });
    expect(JSON.stringify(json)).not.toMatch(/"(key|hash)"/);
    const noId = await run(['api-keys', 'revoke']);
    expect([noId.code, noId.stderr]).toEqual([
      1,
      'lounge-cloud: api-keys revoke needs the key id (see api-keys list)\n',
    ]);
  });

  it('says what is wrong in one sentence and exits 1', async () => {
    const bad = await run(['serve'], { RATE_LIMIT: 'lots' });
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim().split('\n')).toEqual([expect.stringContaining('RATE_LIMIT')]);
    const noUrls = await run([]);
    expect(noUrls.code).toBe(1);
    expect(noUrls.stderr).toMatch(/^lounge-cloud: .*LOYALTY_URL is not set.*\n$/);
    const unknown = await run(['enrollment-token', '--lounge', 'MAD-NOWHERE']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toBe('lounge-cloud: loungeId: no lounge MAD-NOWHERE\n');
    const usage = await run(['api-keys', 'create', '--role', 'root', '--name', 'x']);
    expect(usage.stderr).toBe('lounge-cloud: --role must be app or admin\n');
  });
});
