// The floor for the edge scan route: the same stack (Hono on @hono/node-server) doing only
// JSON parse + a raw Ed25519 verify with node:crypto. No state, no log, no decision.
import { createPublicKey, verify } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import type { Ed25519PublicJwk } from '@lounge/shared';
import { Hono } from 'hono';

/**
 * Starts the floor server on 127.0.0.1:0. `durable` (a profiling aid, not the bench's floor):
 * each answer waits until one row for it is committed to SQLite as the edge commits its
 * records (WAL, synchronous=NORMAL, the rows of one turn in one IMMEDIATE transaction), to
 * see how much of the edge's distance to the floor is the durable write itself.
 */
export async function startFloorServer(jwk: Ed25519PublicJwk, opts: { durable?: boolean } = {}) {
  const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: jwk.x }, format: 'jwk' });
  const record = opts.durable ? durableLog() : undefined;
  const app = new Hono();
  app.post('/v1/scan', async (c) => {
    const { code } = (await c.req.json()) as { code: string };
    const dot = code.lastIndexOf('.');
    const ok = verify(
      null,
      Buffer.from(code.slice(0, dot)),
      key,
      Buffer.from(code.slice(dot + 1), 'base64url'),
    );
    if (record) await record.append(code.slice(dot + 1, dot + 23), ok);
    return c.json({ ok });
  });
  const server: ServerType = await new Promise((resolve) => {
    const s = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((r) => {
        if ('closeAllConnections' in server) server.closeAllConnections();
        server.close(() => r());
      }).finally(() => record?.close()),
  };
}

/** One committed row per answer: the rows of one event-loop turn share a transaction. */
function durableLog() {
  const dir = mkdtempSync(join(tmpdir(), 'floor-db-'));
  const db = new Database(join(dir, 'floor.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec(
    'CREATE TABLE log (id INTEGER PRIMARY KEY, sig TEXT NOT NULL, ok INTEGER NOT NULL, at TEXT NOT NULL)',
  );
  const insert = db.prepare('INSERT INTO log (sig, ok, at) VALUES (?, ?, ?)');
  let queue: { sig: string; ok: boolean; done: () => void }[] = [];
  const commit = db.transaction((rows: typeof queue) => {
    for (const r of rows) insert.run(r.sig, r.ok ? 1 : 0, new Date().toISOString());
  }).immediate;
  return {
    append: (sig: string, ok: boolean) =>
      new Promise<void>((done) => {
        queue.push({ sig, ok, done });
        if (queue.length === 1) {
          setImmediate(() => {
            const rows = queue;
            queue = [];
            commit(rows);
            for (const r of rows) r.done();
          });
        }
      }),
    close: () => {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
