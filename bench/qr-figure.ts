// The QR render floor from bench/qr.bench.ts as a figure (context for issuance).
import { runQrBench } from './qr.bench.ts';
import type { Figure } from './lib/report.ts';

/** Our QR engine against the `qrcode` package, PNG + SVG of a 360-character token. */
export async function runQrFigure(quick: boolean): Promise<Figure[]> {
  const r = await runQrBench(quick ? 3 : 15, quick ? 5 : 20);
  return [
    {
      id: 'qr-render',
      title: `QR render (PNG + SVG, ${r.tokenLength}-char token), ours`,
      unit: 'ms/op',
      value: r.oursMsPerOp,
      floor: r.qrcodeMsPerOp,
      floorLabel: 'qrcode toBuffer + toString svg',
      ratio: r.ratio,
      detail: { oursMatrixMs: r.oursMatrixMsPerOp, qrcodeMatrixMs: r.qrcodeMatrixMsPerOp },
    },
  ];
}
