import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openEdgeState, type EdgeState } from './index.ts';
import { WalCheckpointer } from './wal-checkpointer.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function open(): { state: EdgeState; file: string } {
  const dir = mkdtempSync(join(tmpdir(), 'wal-ckpt-'));
  dirs.push(dir);
  return { state: openEdgeState({ dataDir: dir }), file: join(dir, 'edge.db') };
}

const waitFor = async (check: () => boolean, ms: number): Promise<boolean> => {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
  return true;
};

describe('background WAL checkpointer', () => {
  it('moves committed pages into the database file without the writer checkpointing', async () => {
    const { state, file } = open();
    expect(state.db.pragma('wal_autocheckpoint', { simple: true })).toBe(10000);
    const before = statSync(file).size;
    const insert = state.db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)');
    // ~400 commits of a few pages each: far below the writer's own limit of 10,000 pages.
    for (let i = 0; i < 400; i++) insert.run(`k${i}`, 'x'.repeat(2000));
    expect(await waitFor(() => statSync(file).size > before + 400 * 2000, 5000)).toBe(true);
    expect(state.db.prepare('SELECT count(*) AS n FROM meta').get()).toEqual({ n: 400 });
    state.close();
    // Closed for good: the last connection folded the WAL back and removed it.
    expect(() => statSync(`${file}-wal`)).toThrow();
  });

  it('closes cleanly right after opening, and twice', () => {
    const { state } = open();
    state.close();
    state.close();
    expect(state.db.open).toBe(false);
  });

  it('reports a failure once, keeps trying, and still closes promptly', async () => {
    const errors: string[] = [];
    const file = join(tmpdir(), 'no-such-dir-wal-ckpt', 'edge.db');
    const ckpt = new WalCheckpointer({ file, everyMs: 10, onError: (m) => errors.push(m) });
    expect(await waitFor(() => errors.length > 0, 5000)).toBe(true);
    await new Promise((r) => setTimeout(r, 100)); // ~10 more failing ticks
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/SqliteError|directory does not exist|unable to open/);
    const started = Date.now();
    ckpt.close();
    expect(Date.now() - started).toBeLessThan(1000);
  });
});
