// The decision thread (DecisionThread): its own connection to edge.db, one group commit, and
// `recordScan` for each scan the event loop hands over. Nothing here keeps state of its own
// beyond caches it re-reads when another connection has committed.
import { parentPort, workerData } from 'node:worker_threads';
import { systemClock } from '@lounge/shared';
import type { Logger } from 'pino';
import {
  toThreadError,
  type DecisionThreadData,
  type FromThread,
  type ThreadResult,
  type ToThread,
} from './decision-thread.ts';
import { recordScan } from './decision-record.ts';
import { LoungeOccupancy } from './occupancy/lounge-occupancy.ts';
import { prep } from './state/db.ts';
import { GroupCommit } from './state/group-commit.ts';
import { DECISION_THREAD, openEdgeState, WriteLock } from './state/index.ts';
import { StorageGuard } from './storage-guard.ts';

const port = parentPort!;
const data = workerData as DecisionThreadData;
const post = (m: FromThread) => port.postMessage(m);

const state = openEdgeState({
  file: data.file,
  ...(data.writeLock && { writeLock: new WriteLock(DECISION_THREAD, data.writeLock) }),
});
// As the agent's connection: checkpoints belong to the checkpointer thread, not to a commit.
state.db.pragma('wal_autocheckpoint = 10000');

// The guard's lines go to the agent's logger.
const say =
  (level: 'error' | 'warn' | 'info') =>
  (objOrMsg: unknown, msg?: string): void => {
    if (typeof objOrMsg === 'string') return post({ type: 'log', level, msg: objOrMsg });
    const err = (objOrMsg as { err?: unknown } | null)?.err;
    post({
      type: 'log',
      level,
      msg: msg ?? '',
      ...(err !== undefined && { err: toThreadError(err) }),
    });
  };
const log = { error: say('error'), warn: say('warn'), info: say('info') } as unknown as Logger;
const storage = new StorageGuard({
  db: state.db,
  dataDir: data.dataDir,
  log,
  ...(data.reserveBytes !== undefined && { reserveBytes: data.reserveBytes }),
  onProblem: (problem) => post({ type: 'storage', problem }),
});
const commits = new GroupCommit(state.db, (t) => storage.write(t));

// The capacity and hours are cached; the agent's connection writes them (MQTT, cloud). SQLite's
// data_version moves when another connection has committed: then read them again.
const occupancy = new LoungeOccupancy({ store: state.occupancy, clock: systemClock });
const dataVersion = prep<[], { data_version: number }>(state.db, 'PRAGMA data_version');
let seen = -1;
const current = () => {
  const v = dataVersion.get()!.data_version;
  if (v !== seen) {
    seen = v;
    occupancy.forget();
  }
  return occupancy;
};

const ctx = {
  state,
  deviceId: data.deviceId,
  loungeId: data.loungeId,
  clockSkewSeconds: data.clockSkewSeconds,
};

port.on('message', (m: ToThread) => {
  switch (m.type) {
    case 'records': {
      // One group commit for the batch (and whatever else arrives this turn), one reply.
      const occ = current();
      const runs = m.items.map(({ id, record }) =>
        commits
          .run(() => recordScan({ ...ctx, occupancy: occ }, record))
          .then(
            (value): ThreadResult => {
              // Committed: the sum read after its rows is this connection's occupancy memo.
              if ('occupancy' in value && value.occupancy) state.occupancy.adopt(value.occupancy);
              return { id, ok: true, value };
            },
            (err: unknown): ThreadResult => ({ id, ok: false, error: toThreadError(err) }),
          ),
      );
      void Promise.all(runs).then((items) => post({ type: 'results', items }));
      break;
    }
    case 'storage-recovered':
      storage.clear();
      break;
    case 'close':
      // Queued writes flush in this turn's setImmediate; close after them.
      setImmediate(() => {
        state.close();
        port.close();
      });
      break;
  }
});
post({ type: 'ready' });
