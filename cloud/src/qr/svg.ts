import type { QrMatrix } from './matrix.ts';

/**
 * An SVG of the symbol in module units: a white background and one stroked `<path>` of the
 * horizontal runs of dark modules (1 unit wide, drawn along each row's centre line). Moves
 * within a row are relative, which keeps a version 14 symbol around 8 KB. Scales without blur;
 * `width`/`height` default to the PNG's pixel size (`scale` px per module).
 */
export function toSvg(qr: QrMatrix, margin = 4, scale = 4): string {
  const { size, modules } = qr;
  const full = size + 2 * margin;
  let d = '';
  for (let r = 0; r < size; r++) {
    let penX = -1; // where the pen stands in this row, -1 before the first run
    for (let c = 0; c < size;) {
      if (!modules[r * size + c]) {
        c++;
        continue;
      }
      const start = c;
      while (c < size && modules[r * size + c]) c++;
      d += penX < 0 ? `M${start + margin} ${r + margin}.5` : `m${start - penX} 0`;
      d += `h${c - start}`;
      penX = c;
    }
  }
  return (
    // width/height give email clients the PNG's size; CSS may still scale it freely.
    `<svg xmlns="http://www.w3.org/2000/svg" width="${full * scale}" height="${full * scale}" ` +
    `viewBox="0 0 ${full} ${full}" shape-rendering="crispEdges">` +
    `<path fill="#fff" d="M0 0h${full}v${full}H0z"/>` +
    `<path stroke="#000" d="${d}"/></svg>`
  );
}
