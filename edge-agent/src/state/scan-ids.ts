import type { Decision } from '@lounge/shared';
import { prep, type Db } from './db.ts';

/** The decision answered for one turnstile `scanId` (SPEC.md 8), kept across restarts. */
export interface RecordedScan {
  scanId: string;
  codeSha256: string;
  gate: string;
  decision: Decision;
  atMs: number;
}

interface Row {
  scan_id: string;
  code_sha256: string;
  gate: string;
  decision: string;
  at_ms: number;
}

/** The `scan_ids` table. Meant to run inside the decision's transaction. */
export class ScanIdStore {
  constructor(private readonly db: Db) {}

  find(scanId: string): RecordedScan | undefined {
    const r = prep<[string], Row>(this.db, 'SELECT * FROM scan_ids WHERE scan_id = ?').get(scanId);
    return (
      r && {
        scanId: r.scan_id,
        codeSha256: r.code_sha256,
        gate: r.gate,
        decision: JSON.parse(r.decision) as Decision,
        atMs: r.at_ms,
      }
    );
  }

  /** Records (or replaces an expired) scanId with the decision it got. */
  record(s: RecordedScan): void {
    prep(
      this.db,
      `INSERT INTO scan_ids (scan_id, code_sha256, gate, decision, at_ms) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (scan_id) DO UPDATE SET code_sha256 = excluded.code_sha256,
         gate = excluded.gate, decision = excluded.decision, at_ms = excluded.at_ms`,
    ).run(s.scanId, s.codeSha256, s.gate, JSON.stringify(s.decision), s.atMs);
  }

  /** Forgets scanIds recorded before `beforeMs` (an index range: cheap when there are none). */
  prune(beforeMs: number): number {
    return prep(this.db, 'DELETE FROM scan_ids WHERE at_ms < ?').run(beforeMs).changes;
  }
}
