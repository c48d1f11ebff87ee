import type { QrMatrix } from './matrix.ts';

/**
 * An SVG of the symbol in module units: one white background and one `<path>` whose
 * sub-paths are the horizontal runs of dark modules. Scales to any size without blur.
 */
export function toSvg(qr: QrMatrix, margin = 4): string {
  const { size, modules } = qr;
  const full = size + 2 * margin;
  const parts: string[] = [];
  for (let r = 0; r < size; r++) {
    let c = 0;
    while (c < size) {
      if (!modules[r * size + c]) {
        c++;
        continue;
      }
      const start = c;
      while (c < size && modules[r * size + c]) c++;
      parts.push(`M${start + margin} ${r + margin}h${c - start}v1h-${c - start}z`);
    }
  }
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${full} ${full}" shape-rendering="crispEdges">` +
    `<path fill="#fff" d="M0 0h${full}v${full}H0z"/>` +
    `<path fill="#000" d="${parts.join('')}"/></svg>`
  );
}
