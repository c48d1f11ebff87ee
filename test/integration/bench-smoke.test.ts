import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

// Keeps `npm run bench` from rotting: a cheap subset in quick mode, through the real entry.
const BENCH = fileURLToPath(new URL('../../scripts/bench.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'bench-smoke-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Results {
  machine: { cpus: number; node: string; loadAvgAtStart: number[] };
  quick: boolean;
  figures: { id: string; value: number | null; floor?: number; ratio?: number }[];
}

describe('npm run bench -- --quick --only …', () => {
  it('prints each figure with its floor and writes results.json', async () => {
    const out = join(dir, 'results.json');
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [BENCH, '--quick', '--only', 'micro,drain,catchup', '--out', out],
      { timeout: 60_000 },
    );
    expect(stdout).toMatch(/IBDP drain of 5000 buffered access-log records: [\d.]+ s {2}floor/);
    expect(stdout).toMatch(/catch-up of 2000 revocations/);
    const results = JSON.parse(readFileSync(out, 'utf8')) as Results;
    expect(results.quick).toBe(true);
    expect(results.machine.cpus).toBeGreaterThan(0);
    expect(results.machine.node).toBe(process.version);
    expect(results.figures.map((f) => f.id)).toEqual([
      'micro-verify',
      'micro-sqlite',
      'ibdp-drain',
      'catchup',
    ]);
    for (const f of results.figures) expect(f.value).toBeGreaterThan(0);
    const drain = results.figures.find((f) => f.id === 'ibdp-drain')!;
    expect(drain.ratio).toBeCloseTo(drain.floor! / drain.value!, 6);
  }, 60_000);

  it('refuses an unknown bench name', async () => {
    const err = await promisify(execFile)(process.execPath, [BENCH, '--only', 'nope']).catch(
      (e: { code: number; stderr: string }) => e,
    );
    expect(err).toMatchObject({ code: 2 });
    expect((err as { stderr: string }).stderr).toMatch(/unknown bench nope/);
  });
});
