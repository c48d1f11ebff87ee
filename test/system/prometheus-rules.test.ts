import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { which } from '@lounge/test-helpers/tools';

// deploy/prometheus/alerts.yml, checked and unit-tested with promtool (Debian `prometheus`):
// each alert fires, and does not, in alerts.test.yml. Nothing is skipped: no promtool fails.
const dir = join(dirname(fileURLToPath(import.meta.url)), '../../deploy/prometheus');

function promtool(args: string[]): { ok: boolean; output: string } {
  const bin = which('promtool');
  expect(bin, 'apt-get install prometheus (it ships promtool)').toBeDefined();
  try {
    const out = execFileSync(bin!, args, { cwd: dir, encoding: 'utf8', stdio: 'pipe' });
    return { ok: true, output: out };
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string };
    return { ok: false, output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

describe('Prometheus alert rules', () => {
  it('pass promtool check rules', () => {
    const r = promtool(['check', 'rules', 'alerts.yml']);
    expect(r.output).toMatch(/SUCCESS: \d+ rules found/);
    expect(r.ok, r.output).toBe(true);
  });

  it('pass their unit tests (promtool test rules)', () => {
    const r = promtool(['test', 'rules', 'alerts.test.yml']);
    expect(r.ok, r.output).toBe(true);
    expect(r.output).toContain('SUCCESS');
  });

  it('have a test that fires every alert', () => {
    const rules = execFileSync('grep', ['-o', 'alert: [A-Za-z]*', 'alerts.yml'], {
      cwd: dir,
      encoding: 'utf8',
    });
    const tests = execFileSync('grep', ['-B2', 'exp_labels', 'alerts.test.yml'], {
      cwd: dir,
      encoding: 'utf8',
    });
    for (const name of rules.match(/[A-Za-z]+$/gm) ?? []) {
      expect(tests, `${name} never fires in alerts.test.yml`).toContain(`alertname: ${name}`);
    }
  });
});
