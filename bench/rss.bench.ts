// SPEC.md 10, edge RSS: edge RSS with N revocations cached in its SQLite, against the same
// agent with none (the floor). Each agent runs alone in a child process; RSS from /proc.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { META, openEdgeState } from '@lounge/edge-agent/state';
import { tempDir } from '@lounge/edge-agent/test-support';
import type { Figure } from './lib/report.ts';

const CHILD = fileURLToPath(new URL('./rss-child.ts', import.meta.url));

function seed(dir: string, n: number): void {
  const state = openEdgeState({ dataDir: join(dir, 'state') });
  const exp = Math.floor(Date.now() / 1000) + 86_400;
  const revokedAt = new Date().toISOString();
  // Straight SQL (what applyRevocation writes, minus its per-row savepoint) keeps seeding a
  // million rows to seconds.
  const insert = state.db.prepare(
    'INSERT INTO revocations (invitation_id, seq, exp, revoked_at, reason) VALUES (?, ?, ?, ?, ?)',
  );
  state.db.transaction(() => {
    for (let seq = 1; seq <= n; seq++)
      insert.run(`inv_${String(seq).padStart(26, '0')}`, seq, exp, revokedAt, 'bench');
    if (n > 0) state.meta.set(META.revocationSeq, String(n));
  })();
  state.close();
}

/** Starts the child on `dir`, reads its VmRSS once ready, stops it; returns MB. */
async function rssOf(dir: string): Promise<{ mb: number; seq: number }> {
  const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=source', CHILD, dir], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const seq = await new Promise<number>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /ready (\d+)/.exec(out);
        if (m) resolve(Number(m[1]));
      });
      child.once('exit', (code) => reject(new Error(`rss child exited ${code}`)));
    });
    await new Promise((r) => setTimeout(r, 500));
    const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
    const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
    return { mb: kb / 1024, seq };
  } finally {
    const exited = new Promise((r) => child.once('exit', r));
    if (child.exitCode === null) child.kill('SIGTERM');
    await exited;
  }
}

/** Measures RSS with N and with 0 revocations. */
export async function runRssBench(quick: boolean): Promise<Figure[]> {
  const n = quick ? 20_000 : 1_000_000;
  const full = tempDir();
  const empty = tempDir();
  try {
    const s0 = performance.now();
    seed(full.dir, n);
    const seedMs = performance.now() - s0;
    seed(empty.dir, 0);
    const floor = await rssOf(empty.dir);
    const subject = await rssOf(full.dir);
    if (subject.seq !== n) throw new Error(`child saw revocationSeq ${subject.seq}, expected ${n}`);
    return [
      {
        id: 'edge-rss',
        title: `edge RSS with ${n} revocations cached`,
        unit: 'MB',
        value: subject.mb,
        floor: floor.mb,
        floorLabel: 'same agent, no revocations',
        ratio: floor.mb / subject.mb,
        target: quick ? undefined : '<= 200 MB',
        met: quick ? undefined : subject.mb <= 200,
        detail: { seedEdgeDbSec: seedMs / 1000 },
      },
    ];
  } finally {
    full.cleanup();
    empty.cleanup();
  }
}
