// Reed-Solomon error correction over GF(256) with the QR polynomial x^8+x^4+x^3+x^2+1
// (ISO/IEC 18004 section 7.5.2). Log tables make each multiply two lookups.
const EXP = new Uint8Array(512);
const LOG = new Uint8Array(256);
{
  let x = 1;
  for (let i = 0; i < 255; i++) {
    EXP[i] = x;
    LOG[x] = i;
    x <<= 1;
    if (x & 0x100) x ^= 0x11d;
  }
  for (let i = 255; i < 512; i++) EXP[i] = EXP[i - 255]!;
}

const generators = new Map<number, Uint8Array>();

/** Generator polynomial of the given degree, as logs of its coefficients (leading 1 dropped). */
function generatorLogs(degree: number): Uint8Array {
  let cached = generators.get(degree);
  if (cached) return cached;
  // Coefficients, highest power first, of prod_{i<degree} (x - a^i).
  let poly = new Uint8Array([1]);
  for (let i = 0; i < degree; i++) {
    const next = new Uint8Array(poly.length + 1);
    for (let j = 0; j < poly.length; j++) {
      next[j]! ^= poly[j]!;
      if (poly[j]) next[j + 1]! ^= EXP[LOG[poly[j]!]! + i]!;
    }
    poly = next;
  }
  cached = new Uint8Array(degree);
  for (let j = 0; j < degree; j++) cached[j] = LOG[poly[j + 1]!]!;
  generators.set(degree, cached);
  return cached;
}

/** The `ecCount` error correction codewords of one data block. */
export function reedSolomon(data: Uint8Array, ecCount: number): Uint8Array {
  const gen = generatorLogs(ecCount);
  const rem = new Uint8Array(ecCount);
  for (let i = 0; i < data.length; i++) {
    const factor = data[i]! ^ rem[0]!;
    rem.copyWithin(0, 1);
    rem[ecCount - 1] = 0;
    if (factor === 0) continue;
    const logFactor = LOG[factor]!;
    for (let j = 0; j < ecCount; j++) rem[j]! ^= EXP[gen[j]! + logFactor]!;
  }
  return rem;
}
