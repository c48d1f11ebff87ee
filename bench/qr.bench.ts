// QR render cost: our engine (matrix once, 1-bit PNG + SVG) against the `qrcode` package
// floor (`toBuffer` + `toString('svg')`), as a ratio measured in the same run (SPEC.md
// section 10). Rounds alternate between the two so machine noise hits both alike.
// Run: npx tsx --conditions=source bench/qr.bench.ts [rounds]
import QRCode from 'qrcode';
import { pathToFileURL } from 'node:url';
import { encodeQr, renderQr } from '@lounge/cloud/qr';

export interface QrBenchResult {
  tokenLength: number;
  oursMsPerOp: number;
  qrcodeMsPerOp: number;
  ratio: number;
  oursMatrixMsPerOp: number;
  qrcodeMatrixMsPerOp: number;
}

// A 360-character token: the largest the contract allows (QR version 14).
const TOKEN =
  'eyJhbGciOiJFZERTQSIsImtpZCI6IlF4Y0Q5X2ZrIn0.' + 'p'.repeat(230) + '.' + 's'.repeat(85);

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function timeRound(fn: () => unknown, ops: number): Promise<number> {
  const start = performance.now();
  for (let i = 0; i < ops; i++) await fn();
  return (performance.now() - start) / ops;
}

/** Runs the benchmark and returns milliseconds per render and the speed-up ratio. */
export async function runQrBench(rounds = 15, opsPerRound = 20): Promise<QrBenchResult> {
  const bytes = new TextEncoder().encode(TOKEN);
  const segments = [{ data: Buffer.from(TOKEN), mode: 'byte' as const }];
  const qrOpts = { errorCorrectionLevel: 'M' as const };
  const cases = {
    ours: () => renderQr(TOKEN),
    qrcode: async () => {
      await QRCode.toBuffer(segments, qrOpts);
      await QRCode.toString(segments, { ...qrOpts, type: 'svg' });
    },
    oursMatrix: () => encodeQr(bytes),
    qrcodeMatrix: () => QRCode.create(segments, qrOpts),
  };
  const samples: Record<keyof typeof cases, number[]> = {
    ours: [],
    qrcode: [],
    oursMatrix: [],
    qrcodeMatrix: [],
  };
  for (const fn of Object.values(cases)) await timeRound(fn, 5); // warm up the JIT
  for (let r = 0; r < rounds; r++) {
    for (const [name, fn] of Object.entries(cases)) {
      samples[name as keyof typeof cases].push(await timeRound(fn, opsPerRound));
    }
  }
  const ours = median(samples.ours);
  const floor = median(samples.qrcode);
  return {
    tokenLength: TOKEN.length,
    oursMsPerOp: ours,
    qrcodeMsPerOp: floor,
    ratio: floor / ours,
    oursMatrixMsPerOp: median(samples.oursMatrix),
    qrcodeMatrixMsPerOp: median(samples.qrcodeMatrix),
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const r = await runQrBench(Number(process.argv[2] ?? 15));
  const ms = (x: number) => `${x.toFixed(3)} ms/op`;
  console.log(`QR render of a ${r.tokenLength}-character token (median of rounds)`);
  console.log(`  ours   (matrix + PNG + SVG):        ${ms(r.oursMsPerOp)}`);
  console.log(`  qrcode (toBuffer + toString svg):   ${ms(r.qrcodeMsPerOp)}`);
  console.log(`  ratio  qrcode / ours:               ${r.ratio.toFixed(1)}x`);
  console.log(
    `  matrix only: ours ${ms(r.oursMatrixMsPerOp)}, qrcode ${ms(r.qrcodeMatrixMsPerOp)}`,
  );
  console.log(JSON.stringify({ bench: 'qr-render', ...r }));
}
