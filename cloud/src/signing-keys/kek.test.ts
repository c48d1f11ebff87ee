import { mkdtempSync, readFileSync, rmSync, statSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { KEK_FILE, loadKek } from './kek.ts';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'kek-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function recordingLog() {
  const warnings: string[] = [];
  return {
    warnings,
    log: {
      warn: (_obj: Record<string, unknown>, msg: string) => void warnings.push(msg),
      info: () => undefined,
    },
  };
}

describe('loadKek', () => {
  it('takes KEY_ENCRYPTION_KEY when it is 32 bytes of base64 and writes no file', () => {
    const dataDir = tempDir();
    const value = Buffer.alloc(32, 9).toString('base64');
    const { log, warnings } = recordingLog();
    const { kek, source } = loadKek({ env: value, dataDir, log });
    expect(source).toBe('env');
    expect(Buffer.from(kek).equals(Buffer.alloc(32, 9))).toBe(true);
    expect(warnings).toEqual([]);
    expect(() => statSync(join(dataDir, KEK_FILE))).toThrow();
  });

  it('accepts a pino logger', () => {
    const env = Buffer.alloc(32, 1).toString('base64url');
    const { kek } = loadKek({ env, dataDir: tempDir(), log: pino({ enabled: false }) });
    expect(Buffer.from(kek).equals(Buffer.alloc(32, 1))).toBe(true);
  });

  it('names the variable when the value is the wrong length or not base64', () => {
    const { log } = recordingLog();
    const dataDir = tempDir();
    for (const env of [
      Buffer.alloc(16).toString('base64'),
      'not base64!',
      Buffer.alloc(33).toString('base64'),
    ]) {
      expect(() => loadKek({ env, dataDir, log })).toThrow(/KEY_ENCRYPTION_KEY must be 32 bytes/);
    }
  });

  it('creates a 0600 key file with a warning when unset, then reuses it', () => {
    const dataDir = join(tempDir(), 'nested');
    const first = recordingLog();
    const a = loadKek({ env: undefined, dataDir, log: first.log });
    expect(a.source).toBe('file');
    expect(a.kek).toHaveLength(32);
    expect(first.warnings.join()).toMatch(/KEY_ENCRYPTION_KEY is not set/);
    const path = join(dataDir, KEK_FILE);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(
      Buffer.from(readFileSync(path, 'utf8').trim(), 'base64').equals(Buffer.from(a.kek)),
    ).toBe(true);

    const second = recordingLog();
    const b = loadKek({ env: '', dataDir, log: second.log });
    expect(Buffer.from(b.kek).equals(Buffer.from(a.kek))).toBe(true);
    // Warned once, at creation: reusing it (every admin command does) is not worth a warning.
    expect(second.warnings).toEqual([]);
  });

  it('warns when the key file is readable by others', () => {
    const dataDir = tempDir();
    loadKek({ env: undefined, dataDir, log: recordingLog().log });
    chmodSync(join(dataDir, KEK_FILE), 0o644);
    const { log, warnings } = recordingLog();
    loadKek({ env: undefined, dataDir, log });
    expect(warnings.join()).toMatch(/chmod 600/);
  });
});
