import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { rawConfig } from '@lounge/edge-agent/test-support';
import { provision, tempDir } from '../integration/cli-harness.ts';

// `systemd-analyze verify` (Debian package `systemd`) checks every key and value of a unit,
// and that its ExecStart binary exists. It exits 0 even for keys it ignores, so the test also
// wants it silent.
const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../../..');

async function verify(unitFile: string): Promise<string> {
  const { stdout, stderr } = await run('systemd-analyze', ['verify', unitFile]);
  return (stdout + stderr).trim();
}

describe('systemd units', () => {
  const tmp = tempDir('provision-verify-');
  afterAll(() => tmp.cleanup());

  it('the unit install writes for serial and HID scanners passes systemd-analyze verify', async () => {
    const file = join(tmp.dir, 'config.json');
    writeFileSync(
      file,
      JSON.stringify({
        ...rawConfig(tmp.dir, 'https://cloud.example.com'),
        scanners: [
          { id: 'door', type: 'serial', path: '/dev/ttyACM0' },
          { id: 'desk', type: 'hid-keyboard', vendorId: 0x0c2e, productId: 0x0b61 },
        ],
      }),
    );
    const dry = await provision(['install', '--config', file, '--dry-run']);
    expect(dry.code).toBe(0);
    const unit = /lounge-edge\.service <<'EOF'\n([\s\S]*?)\nEOF/.exec(dry.stdout)![1]!;
    expect(unit).toContain('DeviceAllow=char-ttyACM rw');
    const unitFile = join(tmp.dir, 'lounge-edge.service');
    writeFileSync(unitFile, unit + '\n');
    expect(await verify(unitFile)).toBe('');
  });

  it('deploy/systemd/lounge-cloud.service passes systemd-analyze verify', async () => {
    // The unit names /usr/bin/node; verify wants it to exist, so point it at this node.
    const unit = readFileSync(join(ROOT, 'deploy/systemd/lounge-cloud.service'), 'utf8');
    const unitFile = join(tmp.dir, 'lounge-cloud.service');
    writeFileSync(unitFile, unit.replaceAll('/usr/bin/node', process.execPath));
    expect(await verify(unitFile)).toBe('');
  });
});
