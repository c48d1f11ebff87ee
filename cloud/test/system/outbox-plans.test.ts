import { systemClock } from '@lounge/shared';
import pg from 'pg';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgres, type PostgresCluster } from '@lounge/test-helpers/postgres';
import { createStore } from '../../src/store/index.ts';
import { dueOutbox, numbered, RENEW_OUTBOX_LEASES } from '../../src/store/sql.ts';

// The outbox's two hot statements stay flat as the backlog grows (docs/cloud-store.md,
// "Outbox plans"): a lane's claim reads its rows in claim order and stops at the limit (no
// sort of the whole backlog), and lease renewal reads the worker's own rows (no seq scan).
let cluster: PostgresCluster;
let db: pg.Client;

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Actual Rows'?: number;
  Plans?: PlanNode[];
}

const nodes = (n: PlanNode): PlanNode[] => [n, ...(n.Plans ?? []).flatMap(nodes)];

async function explain(sql: string, params: unknown[]) {
  await db.query('BEGIN');
  try {
    const res = await db.query(`EXPLAIN (ANALYZE, FORMAT JSON) ${sql}`, params);
    const [plan] = (
      res.rows[0] as { 'QUERY PLAN': { Plan: PlanNode; 'Execution Time': number }[] }
    )['QUERY PLAN'];
    return { all: nodes(plan!.Plan), ms: plan!['Execution Time'] };
  } finally {
    await db.query('ROLLBACK');
  }
}

/** Fills the outbox with `n` undelivered rows over four lanes, 100 of them leased by `w1`. */
async function backlog(n: number) {
  await db.query('TRUNCATE outbox');
  await db.query(
    `INSERT INTO outbox (id, kind, order_key, payload, created_at, next_attempt_at,
       locked_by, locked_until)
     SELECT 'evt_' || lpad(g::text, 10, '0'), (ARRAY['crm','ibdp','mqtt','broker'])[1 + g % 4],
       CASE WHEN g % 4 = 3 THEN NULL ELSE 'inv_' || (g % 5000) END, '{}', g, g,
       CASE WHEN g % 1000 = 0 THEN 'w' || (g / 1000 % 10) END,
       CASE WHEN g % 1000 = 0 THEN 10000000 END
     FROM generate_series(1, $1::int) g`,
    [n],
  );
  await db.query('ANALYZE outbox');
}

const claimSql = numbered(`${dueOutbox(1)} FOR UPDATE OF o SKIP LOCKED`);
const now = 10_000_000;

beforeAll(async () => {
  cluster = await startPostgres();
  const url = await cluster.createDatabase('cloud_outbox_plans');
  const store = await createStore(url, { log: pino({ level: 'silent' }), clock: systemClock });
  await store.migrate();
  await store.close();
  db = new pg.Client({ connectionString: url });
  await db.connect();
}, 120_000);

afterAll(async () => {
  await db?.end();
  await cluster?.stop();
});

describe('outbox plans at 20k and 100k undelivered rows', () => {
  it('claim and lease renewal use an index and never sort or scan the backlog', async () => {
    const figures: Record<string, number> = {};
    for (const n of [20_000, 100_000]) {
      await backlog(n);
      const claim = await explain(claimSql, [now, now, 'ibdp', 100]);
      expect(claim.all.filter((p) => p['Node Type'] === 'Sort')).toEqual([]);
      expect(claim.all.filter((p) => p['Node Type'] === 'Seq Scan')).toEqual([]);
      expect(claim.all.some((p) => p['Index Name'] === 'outbox_lane')).toBe(true);
      // Rows read from the lane's index: about the limit, not the lane's 25% of the backlog.
      const lane = claim.all.find((p) => p['Index Name'] === 'outbox_lane')!;
      expect(lane['Actual Rows']).toBeLessThan(1_000);

      const renew = await explain(numbered(RENEW_OUTBOX_LEASES), [now + 10_000, 'w1']);
      expect(renew.all.filter((p) => p['Node Type'] === 'Seq Scan')).toEqual([]);
      expect(renew.all.some((p) => p['Index Name'] === 'outbox_locked_by')).toBe(true);
      const shape = (all: PlanNode[]) =>
        all.map((p) => p['Node Type'] + (p['Index Name'] ? ` using ${p['Index Name']}` : ''));
      console.log(
        `plans at ${n}:`,
        shape(claim.all).join(' > '),
        '|',
        shape(renew.all).join(' > '),
      );
      figures[`claim ${n}`] = claim.ms;
      figures[`renew ${n}`] = renew.ms;
    }
    // For docs/cloud-store.md; absolute times depend on the machine.
    console.log('outbox plans (ms):', JSON.stringify(figures));
  });
});
