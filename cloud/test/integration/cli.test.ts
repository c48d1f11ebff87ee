import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemClock } from '@lounge/shared';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { createStore } from '../../src/store/index.ts';
import { device, invitation } from '../contract/fixtures.ts';

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
    expect(badHours).toMatchObject({ code: 2, stderr: expect.stringContaining('--hours') });
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
      2,
      'lounge-cloud: api-keys revoke needs ID; see lounge-cloud api-keys revoke --help\n',
    ]);
  });

  it('retires a signing key in an emergency, idempotently', async () => {
    const { kid } = JSON.parse((await run(['signing-keys', 'rotate', '--json'])).stdout) as {
      kid: string;
    };
    const args = ['signing-keys', 'retire', kid, '--reason', 'private key leaked'];
    const first = await run([...args, '--json']);
    expect(first.code).toBe(0);
    // One audit line (a warning) on stderr: which key, and why.
    expect(first.stderr.trim().split('\n')).toEqual([
      `lounge-cloud: warning: signing key retired kid=${kid} reason=private key leaked`,
    ]);
    const result = JSON.parse(first.stdout) as Record<string, unknown>;
    expect(result).toEqual({
      kid,
      retiredAt: expect.stringMatching(/Z$/),
      reissued: 0,
      staleDevices: [],
    });
    const again = await run(args);
    expect(again.stdout).toBe(
      `signing key ${kid} retired at ${String(result.retiredAt)}; 0 invitation(s) re-signed\n`,
    );
    const noReason = await run(['signing-keys', 'retire', kid]);
    expect([noReason.code, noReason.stderr]).toEqual([
      2,
      'lounge-cloud: --reason is required; see lounge-cloud signing-keys retire --help\n',
    ]);
    const unknown = await run(['signing-keys', 'retire', 'nokey123', '--reason', 'x']);
    expect([unknown.code, unknown.stderr]).toEqual([1, 'lounge-cloud: no signing key nokey123\n']);
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

describe('lounge-cloud command line', { timeout: 120_000 }, () => {
  it('--version and --help answer; an unknown verb or flag exits 2 and starts nothing', async () => {
    const fresh = join(dir, 'never', 'cloud.db');
    const env = { DATABASE_URL: `sqlite:${fresh}`, KEY_ENCRYPTION_KEY: '', PORT: '0' };
    const [version, help, verbHelp, flag, verb, serveFlag] = await Promise.all([
      run(['--version'], env),
      run(['--help'], env),
      run(['devices', 'list', '--help'], env),
      run(['--port', '9999'], env),
      run(['frobnicate'], env),
      run(['serve', '--verbose'], env),
    ]);
    expect(version).toEqual({ code: 0, stdout: 'lounge-cloud 0.1.0\n', stderr: '' });
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('DATABASE_URL');
    expect(help.stdout).toContain('invitations list');
    expect(verbHelp.stdout).toMatch(/^lounge-cloud devices list: /);
    expect(verbHelp.stdout).toContain('--stale');
    expect(verbHelp.stdout).toContain('example:');
    expect(flag).toEqual({
      code: 2,
      stdout: '',
      stderr: 'lounge-cloud: unknown flag --port for "serve"; see lounge-cloud serve --help\n',
    });
    expect(verb.code).toBe(2);
    expect(verb.stderr).toMatch(/^lounge-cloud: unknown command "frobnicate"[^\n]*\n$/);
    expect(serveFlag.code).toBe(2);
    // Nothing was opened: no database, no key file, no data folder.
    expect(existsSync(join(dir, 'never'))).toBe(false);
  });

  it('enrollment-token --ttl takes a unit and refuses under 60 s', async () => {
    const two = await run(['enrollment-token', '--lounge', 'MAD-T4S-VELAZQUEZ', '--ttl', '2']);
    expect(two.code).toBe(2);
    expect(two.stderr).toMatch(/^lounge-cloud: --ttl needs a number with a unit/);
    const short = await run(['enrollment-token', '--lounge', 'MAD-T4S-VELAZQUEZ', '--ttl', '59s']);
    expect(short.code).toBe(2);
    expect(short.stderr).toBe('lounge-cloud: --ttl must be at least 60s (got 59s)\n');
  });

  it('lists lounges, devices (--lounge, --stale), invitations; decommissions a device', async () => {
    const db = join(dir, 'fleet.db');
    const env = { DATABASE_URL: `sqlite:${db}` };
    const store = await createStore(`sqlite:${db}`, {
      log: pino({ level: 'silent' }),
      clock: systemClock,
    });
    const now = Date.now();
    const fresh = { ...device('MAD-T4S-VELAZQUEZ'), name: 'gate-a', lastSeenAt: now };
    const silent = { ...device('MAD-T4S-VELAZQUEZ'), name: 'gate-b', lastSeenAt: now - 600_000 };
    const other = { ...device('BCN-T1-PUENTE'), name: 'gate-c', lastSeenAt: null };
    const window = { validFrom: now - 3600_000, validUntil: now + 3600_000 };
    const issued = invitation({ ...window, customerId: 'IB0001' });
    const used = invitation({ ...window, status: 'used', usedAt: now, entriesUsed: 1 });
    const elsewhere = invitation({ ...window, loungeId: 'BCN-T1-PUENTE' });
    try {
      await store.migrate();
      for (const [id, airport] of [
        ['MAD-T4S-VELAZQUEZ', 'MAD'],
        ['BCN-T1-PUENTE', 'BCN'],
      ] as const) {
        await store.upsertLounge({
          id,
          airport,
          name: id,
          timezone: 'Europe/Madrid',
          capacity: null,
          hours: null,
          updatedAt: now,
        });
      }
      for (const [i, d] of [fresh, silent, other].entries()) {
        await store.insertEnrollmentToken({
          id: `enr_${i}`,
          hash: `h${i}`,
          loungeId: d.loungeId,
          expiresAt: now + 60_000,
          usedAt: null,
          usedByDevice: null,
          createdAt: now,
        });
        expect(await store.enrollDevice(`enr_${i}`, d, now)).toBe('ok');
      }
      for (const inv of [issued, used, elsewhere]) await store.insertInvitation(inv, [], now);
      // Stale = no heartbeat for 3 minutes (SPEC.md 5): only gate-a has sent one, just now.
      const heartbeat = JSON.stringify({ online: true, at: new Date(now).toISOString() });
      await store.recordDeviceStatus(fresh.deviceId, {
        online: true,
        heartbeat,
        heartbeatAt: now,
        revocationSeq: 0,
      });
    } finally {
      await store.close();
    }

    const lounges = await run(['lounges', 'list'], env);
    expect(lounges).toMatchObject({ code: 0, stderr: '' });
    expect(
      lounges.stdout
        .trim()
        .split('\n')
        .map((l) => l.split(' ')[0]),
    ).toEqual(['BCN-T1-PUENTE', 'MAD-T4S-VELAZQUEZ']);

    const mad = await run(['devices', 'list', '--lounge', 'MAD-T4S-VELAZQUEZ', '--json'], env);
    const ids = (out: string) =>
      (JSON.parse(out) as { devices: { deviceId: string }[] }).devices
        .map((d) => d.deviceId)
        .sort();
    expect(ids(mad.stdout)).toEqual([fresh.deviceId, silent.deviceId].sort());
    const stale = await run(['devices', 'list', '--stale', '--json'], env);
    expect(ids(stale.stdout)).toEqual([silent.deviceId, other.deviceId].sort());
    const staleMad = await run(
      ['devices', 'list', '--stale', '--lounge', 'MAD-T4S-VELAZQUEZ'],
      env,
    );
    expect(staleMad.stdout).toMatch(
      new RegExp(`^${silent.deviceId}  MAD-T4S-VELAZQUEZ  gate-b  offline`),
    );
    expect(staleMad.stdout.trim().split('\n')).toHaveLength(1);

    const gone = await run(['devices', 'decommission', silent.deviceId], env);
    expect(gone).toMatchObject({ code: 0, stderr: '' });
    expect(gone.stdout).toMatch(
      new RegExp(`^decommissioned ${silent.deviceId} \\(MAD-T4S-VELAZQUEZ\\)`),
    );
    const after = await run(['devices', 'list', '--stale', '--json'], env);
    expect(ids(after.stdout)).toEqual([other.deviceId]);
    const unknown = await run(['devices', 'decommission', 'dev_01JDQ5S3Z4W8X9Y0ABCDEFGHJK'], env);
    expect(unknown).toMatchObject({
      code: 1,
      stderr: 'lounge-cloud: no device dev_01JDQ5S3Z4W8X9Y0ABCDEFGHJK\n',
    });

    const list = await run(
      ['invitations', 'list', '--lounge', 'MAD-T4S-VELAZQUEZ', '--status', 'issued'],
      env,
    );
    expect(list).toMatchObject({ code: 0, stderr: '' });
    expect(list.stdout).toMatch(new RegExp(`^${issued.id}  issued  MAD-T4S-VELAZQUEZ  IB3456 `));
    expect(list.stdout.trim().split('\n')).toHaveLength(1);
    const all = await run(['invitations', 'list', '--json'], env);
    const items = (JSON.parse(all.stdout) as { items: { id: string; status: string }[] }).items;
    expect(items.map((i) => i.id).sort()).toEqual([issued.id, used.id, elsewhere.id].sort());
    expect(all.stdout).not.toContain(issued.token);
  });

  it('prints warnings as plain lines, and none at all on later commands', async () => {
    const fresh = join(dir, 'plain');
    const env = { DATABASE_URL: `sqlite:${join(fresh, 'cloud.db')}`, KEY_ENCRYPTION_KEY: '' };
    const first = await run(['lounges', 'list'], env);
    expect(first.code).toBe(0);
    expect(first.stderr).toMatch(
      /^lounge-cloud: warning: KEY_ENCRYPTION_KEY is not set: created [^\n]*\n$/,
    );
    const second = await run(['lounges', 'list'], env);
    expect(second).toEqual({ code: 0, stdout: 'no lounges yet\n', stderr: '' });
  });
});
