// SPEC.md 10, IBDP drain: the real IbdpUploader draining N buffered access-log rows from the
// edge's SQLite to the IBDP stand-in, against a floor that POSTs the same records as gzip
// NDJSON batches of 500 from memory (no SQLite, no batch bookkeeping).
import { promisify } from 'node:util';
import { gzip as gzipCb } from 'node:zlib';
import { newEventId } from '@lounge/shared';
import pino from 'pino';
import { fetch as undiciFetch } from 'undici';
import { IbdpUploader, toNdjson } from '@lounge/edge-agent/upload';
import type { Fetch } from '@lounge/edge-agent';
import { openEdgeState, type AccessLogEntry } from '@lounge/edge-agent/state';
import { tempDir } from '@lounge/edge-agent/test-support';
import { startStandIns } from '@lounge/test-helpers/stand-ins';
import type { Figure } from './lib/report.ts';
import { waitUntil } from './lib/stats.ts';

const gzip = promisify(gzipCb);
const TOKEN = 'bench-ibdp-token';

function record(i: number): AccessLogEntry {
  return {
    eventId: newEventId(),
    deviceId: 'dev_01JD0000000000000000000001',
    loungeId: 'MAD-T4S-VELAZQUEZ',
    gate: `gate${i % 4}`,
    invitationId: `inv_01JD${String(i).padStart(22, '0')}`,
    decision: i % 10 === 0 ? 'deny' : 'grant',
    reason: i % 10 === 0 ? 'EXPIRED' : 'OK',
    admit: i % 10 === 0 ? 0 : 2,
    decidedAt: new Date(1_764_000_000_000 + i * 1000).toISOString(),
    offline: false,
    codeSha256: 'x'.repeat(43),
    latencyMs: 1,
  };
}

/** Runs the drain and its floor once each (each is seconds long at full size). */
export async function runDrainBench(quick: boolean): Promise<Figure[]> {
  const n = quick ? 5_000 : 100_000;
  const records = Array.from({ length: n }, (_, i) => record(i));
  const ibdp = await startStandIns({ tokens: { ibdp: TOKEN } });
  const tmp = tempDir();
  const state = openEdgeState({ dataDir: tmp.dir });
  const fetch = undiciFetch as unknown as Fetch;
  try {
    // Floor: the same records, the same batch size and encoding, straight from memory.
    const f0 = performance.now();
    for (let i = 0; i < n; i += 500) {
      const body = await gzip(Buffer.from(toNdjson(records.slice(i, i + 500)), 'utf8'), {
        level: 1,
      });
      const res = await fetch(`${ibdp.urls.ibdp}/v1/ingest/access-logs`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${TOKEN}`,
          'content-type': 'application/x-ndjson',
          'content-encoding': 'gzip',
          'idempotency-key': `floor-${i}`,
        },
        body,
      });
      if (!res.ok) throw new Error(`floor upload answered ${res.status}`);
      await res.body?.cancel();
    }
    const floorMs = performance.now() - f0;
    await ibdp.reset();

    state.db.transaction(() => records.forEach((r) => state.accessLog.insert(r)))();
    const uploader = new IbdpUploader({
      db: state.db,
      ibdp: { url: ibdp.urls.ibdp, token: TOKEN },
      fetch,
      log: pino({ level: 'silent' }),
    });
    const t0 = performance.now();
    uploader.start();
    // Poll IBDP's in-memory count (cheap), not SQLite's pending count (a scan of the log
    // that would steal CPU from the uploader); then confirm nothing is left pending.
    await waitUntil(() => ibdp.ibdp.stored.length >= Math.ceil(n / 500), 120_000, 10);
    await waitUntil(() => state.uploads.pending() === 0, 10_000, 5);
    const ms = performance.now() - t0;
    await uploader.stop();
    const stored = ibdp.ibdpRecords('access-logs').length;
    return [
      {
        id: 'ibdp-drain',
        title: `IBDP drain of ${n} buffered access-log records`,
        unit: 's',
        value: ms / 1000,
        floor: floorMs / 1000,
        floorLabel: 'same gzip NDJSON batches from memory',
        ratio: floorMs / ms,
        target: quick ? undefined : '<= 10 s',
        met: quick ? undefined : ms <= 10_000,
        detail: { recordsPerSec: (n / ms) * 1000, storedByIbdp: stored },
        ...(stored !== n && { note: `IBDP stored ${stored} of ${n}` }),
      },
    ];
  } finally {
    state.close();
    tmp.cleanup();
    await ibdp.close();
  }
}
