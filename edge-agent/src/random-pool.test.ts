import { describe, expect, it } from 'vitest';
import { pooledRandom } from './random-pool.ts';

describe('pooledRandom', () => {
  it('hands out independent copies of fresh bytes across refills', () => {
    const random = pooledRandom(64);
    const chunks = Array.from({ length: 20 }, () => random(16));
    expect(chunks.every((c) => c.length === 16)).toBe(true);
    const hex = chunks.map((c) => Buffer.from(c).toString('hex'));
    expect(new Set(hex).size).toBe(20);
    chunks[0]!.fill(0);
    expect(Buffer.from(chunks[1]!).toString('hex')).toBe(hex[1]);
    expect(random(100)).toHaveLength(100);
  });
});
