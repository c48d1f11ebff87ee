// Child process for store-sqlite-processes.test.ts: opens the SQLite store named in argv, waits
// for "go" on stdin (so both processes start together), revokes the given invitations, drains
// the outbox, and prints what it got as one JSON line.
import { createInterface } from 'node:readline';
import { createStore } from '../../src/store/index.ts';
import { silentLog } from './silent-log.ts';

const [url, worker, idsJson] = process.argv.slice(2) as [string, string, string];
const ids = JSON.parse(idsJson) as string[];
const store = await createStore(url, { log: silentLog });
await store.migrate();

const lines = createInterface({ input: process.stdin });
process.stdout.write('ready\n');
for await (const line of lines) if (line === 'go') break;
lines.close();

const seqs: number[] = [];
for (const id of ids) {
  const r = await store.revokeInvitation(id, worker, Date.now(), (rev) => [
    { id: `evt_${rev.seq}`, kind: 'mqtt', payload: '{}', createdAt: rev.seq, orderKey: null },
  ]);
  if (r?.created) seqs.push(r.revocation.seq);
  // Yield, so the other process gets a turn at the write lock between transactions.
  await new Promise((resolve) => setImmediate(resolve));
}
const claimed: string[] = [];
for (;;) {
  const batch = await store.claimOutbox(worker, Date.now(), 5, 60_000);
  if (batch.length === 0) break;
  for (const e of batch) {
    claimed.push(e.id);
    await store.markOutboxDelivered(e.id, worker, Date.now());
  }
}
await store.close();
process.stdout.write(JSON.stringify({ seqs, claimed }) + '\n');
