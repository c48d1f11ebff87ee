import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_LEASE_MS } from './dispatcher.ts';

// docs/operations.md is what an operator acts on: its figures must be the code's.
const operations = readFileSync(join(import.meta.dirname, '../../../docs/operations.md'), 'utf8');

describe('docs/operations.md', () => {
  it('quotes the outbox lease the dispatcher uses', () => {
    const quoted = [...operations.matchAll(/(\d+)[- ]s(?:econd)? lease/g)].map((m) => m[1]);
    expect(quoted.length).toBeGreaterThan(0);
    expect(new Set(quoted)).toEqual(new Set([String(DEFAULT_LEASE_MS / 1000)]));
  });

  it('says the pools of every instance and the CLI must fit under max_connections', () => {
    const row = operations.split('\n').find((l) => l.startsWith('| `DATABASE_POOL_SIZE`'));
    expect(row).toMatch(/max_connections/);
    expect(row).toMatch(/CLI/);
  });
});
