// SPEC.md 10, issuance: cloud issuance per second (POST /v1/invitations through HTTP, stub
// integrations, RATE_LIMIT=0, SQLite, distinct customers and Idempotency-Keys) against the
// floor of a raw sign + `qrcode` PNG + SVG in one process. Target: >= 2x that floor.
import { newInvitationId, signToken } from '@lounge/shared';
import { generateKeyPair } from 'jose';
import QRCode from 'qrcode';
import { ADMIN_KEY, LOUNGE_ID, startBenchCloud } from './lib/cloud.ts';
import { runLoad } from './lib/load.ts';
import type { Figure } from './lib/report.ts';
import { median, percentiles } from './lib/stats.ts';

async function floorRate(ops: number, sign: () => Promise<string>): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < ops; i++) {
    const segments = [{ data: Buffer.from(await sign()), mode: 'byte' as const }];
    await QRCode.toBuffer(segments, { errorCorrectionLevel: 'M' });
    await QRCode.toString(segments, { errorCorrectionLevel: 'M', type: 'svg' });
  }
  return (ops / (performance.now() - t0)) * 1000;
}

/** Alternates floor and cloud rounds; returns the issuance figure. */
export async function runIssuanceBench(quick: boolean): Promise<Figure[]> {
  const rounds = quick ? 2 : 4;
  const perRound = quick ? 40 : 300;
  const connections = 4;
  const bench = await startBenchCloud();
  const { privateKey } = await generateKeyPair('EdDSA');
  const sign = () => {
    const now = Math.floor(Date.now() / 1000);
    return signToken(
      {
        iss: bench.url,
        jti: newInvitationId(),
        aud: LOUNGE_ID,
        sub: 'AbCdEfGhIjKlMnOpQrStUv',
        nbf: now,
        exp: now + 14_400,
        gst: 2,
        ent: 1,
      },
      { kid: 'kBench01', privateKey },
    );
  };
  const date = new Date().toISOString().slice(0, 10);
  let customer = 1_000_000;
  const bodies = (n: number) =>
    Array.from({ length: n }, () =>
      JSON.stringify({
        customerId: `IB${customer++}`,
        loungeId: LOUNGE_ID,
        flight: { number: 'IB1234', date },
        guests: 1,
      }),
    );
  try {
    const cloudRun = async (n: number) => {
      const b = bodies(n);
      return runLoad({
        origin: bench.url,
        path: '/v1/invitations',
        headers: { authorization: `Bearer ${ADMIN_KEY}` },
        headersFor: (i) => ({ 'idempotency-key': `bench-${customer}-${i}` }),
        bodies: b,
        connections,
        okStatus: 201,
      });
    };
    await floorRate(5, sign);
    await cloudRun(10);
    const f: number[] = [];
    const s: number[] = [];
    const lat: number[] = [];
    let errors = 0;
    for (let r = 0; r < rounds; r++) {
      f.push(await floorRate(Math.ceil(perRound / 5), sign));
      const run = await cloudRun(perRound);
      s.push(run.rps);
      lat.push(...run.latenciesMs);
      errors += run.errors;
    }
    const rate = median(s);
    const floor = median(f);
    const p = percentiles(lat);
    return [
      {
        id: 'issuance',
        title: `cloud issuance over HTTP (${connections} connections, SQLite, stub integrations)`,
        unit: 'inv/s',
        value: rate,
        floor,
        floorLabel: 'raw sign + qrcode PNG + SVG, one process',
        ratio: rate / floor,
        target: '>= 2x floor',
        met: rate / floor >= 2,
        detail: { p50Ms: p.p50, p99Ms: p.p99, issued: lat.length, errors },
      },
    ];
  } finally {
    await bench.stop();
  }
}
