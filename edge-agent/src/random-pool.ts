import { randomFillSync } from 'node:crypto';
import type { RandomBytes } from '@lounge/shared';

/**
 * Random bytes served from a 4 KiB buffer refilled from the CSPRNG when used up: one
 * `getRandomValues` call per event id cost ~6 µs, this costs well under one (ids need to be
 * unique, not secret). The bytes handed out are copies, never reused.
 */
export function pooledRandom(poolBytes = 4096): RandomBytes {
  const pool = Buffer.alloc(poolBytes);
  let offset = poolBytes;
  return (length) => {
    if (length > poolBytes) return randomFillSync(new Uint8Array(length));
    if (offset + length > poolBytes) {
      randomFillSync(pool);
      offset = 0;
    }
    const out = new Uint8Array(pool.subarray(offset, offset + length));
    offset += length;
    return out;
  };
}
