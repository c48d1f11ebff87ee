import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, expect, it } from 'vitest';
import { createStore } from '../../src/store/index.ts';
import { T0, invitation } from '../contract/fixtures.ts';
import { silentLog } from '../contract/silent-log.ts';

const WORKER = join(import.meta.dirname, '../contract/sqlite-race-worker.ts');
const children: ChildProcessWithoutNullStreams[] = [];
let dir: string | undefined;

afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Starts a worker process; resolves its output lines one by one. */
function startWorker(args: string[]) {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--conditions=source', WORKER, ...args],
    { stdio: 'pipe' },
  );
  children.push(child);
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async (): Promise<string> => {
    const { value, done } = await lines.next();
    if (done) throw new Error(`worker exited early: ${stderr}`);
    return value as string;
  };
  return { child, next };
}

// Two processes on one SQLite file: BEGIN IMMEDIATE + busy_timeout serialise their writes.
it('two processes revoking and draining one SQLite file: gap-free seqs, no double claims', async () => {
  dir = mkdtempSync(join(tmpdir(), 'lounge-store-proc-'));
  const url = `sqlite:${join(dir, 'cloud.db')}`;
  const store = await createStore(url, { log: silentLog });
  await store.migrate();
  const invs = Array.from({ length: 150 }, (_, i) => invitation({ flightNumber: `IB${i}` }));
  for (const inv of invs) await store.insertInvitation(inv, [], T0);
  const ids = invs.map((i) => i.id);

  const a = startWorker([url, 'a', JSON.stringify(ids)]);
  const b = startWorker([url, 'b', JSON.stringify([...ids].reverse())]);
  expect([await a.next(), await b.next()]).toEqual(['ready', 'ready']);
  a.child.stdin.write('go\n');
  b.child.stdin.write('go\n');
  const [ra, rb] = (await Promise.all([a.next(), b.next()])).map(
    (line) => JSON.parse(line) as { seqs: number[]; claimed: string[] },
  );

  const seqs = [...ra!.seqs, ...rb!.seqs].sort((x, y) => x - y);
  expect(seqs).toEqual(Array.from({ length: 150 }, (_, i) => i + 1));
  // Both processes really took part.
  expect(ra!.seqs.length).toBeGreaterThan(0);
  expect(rb!.seqs.length).toBeGreaterThan(0);
  const claimed = [...ra!.claimed, ...rb!.claimed];
  expect(new Set(claimed).size).toBe(claimed.length);
  expect(claimed).toHaveLength(150);
  expect((await store.listRevocations(0, 1000)).map((r) => r.seq)).toEqual(seqs);
  expect(await store.outboxBacklog()).toEqual({ crm: 0, ibdp: 0, mqtt: 0, broker: 0 });
  await store.close();
});
