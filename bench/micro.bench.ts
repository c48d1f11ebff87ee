// Orientation floors (absolute, for context): Ed25519 verify (node:crypto vs jose jwtVerify) and
// better-sqlite3 primary-key lookup and insert. Context lines, no target.
import { createPublicKey, verify } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemClock } from '@lounge/shared';
import Database from 'better-sqlite3';
import { jwtVerify } from 'jose';
import { makeSigner } from '@lounge/edge-agent/test-support';
import type { Figure } from './lib/report.ts';
import { median } from './lib/stats.ts';

async function usPerOp(fn: (i: number) => unknown, ops: number): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < ops; i++) await fn(i);
  return ((performance.now() - t0) / ops) * 1000;
}

/** Runs the micro floors, alternating the pairs in rounds. */
export async function runMicroBench(quick: boolean): Promise<Figure[]> {
  const ops = quick ? 200 : 2000;
  const rounds = quick ? 2 : 5;
  const signer = await makeSigner();
  const token = await signer.token(systemClock);
  const key = createPublicKey({
    key: { kty: 'OKP', crv: 'Ed25519', x: signer.publicJwk.x },
    format: 'jwk',
  });
  const dot = token.lastIndexOf('.');
  const data = Buffer.from(token.slice(0, dot));
  const sig = Buffer.from(token.slice(dot + 1), 'base64url');

  const dir = mkdtempSync(join(tmpdir(), 'lounge-bench-'));
  const db = new Database(join(dir, 'micro.db'));
  db.pragma('journal_mode = WAL');
  db.exec('CREATE TABLE t (id TEXT PRIMARY KEY, v INTEGER NOT NULL)');
  const insert = db.prepare('INSERT INTO t (id, v) VALUES (?, ?)');
  const get = db.prepare('SELECT v FROM t WHERE id = ?');
  let n = 0;
  const s = { raw: [] as number[], jose: [] as number[], ins: [] as number[], get: [] as number[] };
  try {
    for (let r = 0; r < rounds; r++) {
      s.raw.push(await usPerOp(() => verify(null, data, key, sig), ops));
      s.jose.push(
        await usPerOp(() => jwtVerify(token, signer.publicKey, { algorithms: ['EdDSA'] }), ops),
      );
      s.ins.push(await usPerOp(() => insert.run(`inv_${n++}`, n), ops));
      s.get.push(await usPerOp((i) => get.get(`inv_${i}`), ops));
    }
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
  const raw = median(s.raw);
  const jose = median(s.jose);
  return [
    {
      id: 'micro-verify',
      title: 'Ed25519 verify: jose jwtVerify (context)',
      unit: 'us/op',
      value: jose,
      floor: raw,
      floorLabel: 'node:crypto verify',
      ratio: raw / jose,
    },
    {
      id: 'micro-sqlite',
      title: 'better-sqlite3 autocommit insert (WAL, context)',
      unit: 'us/op',
      value: median(s.ins),
      detail: { pkLookupUs: median(s.get) },
    },
  ];
}
