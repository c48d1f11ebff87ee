import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { generateSchema, SCHEMA_FILE } from '../scripts/schema-source.ts';

describe('openapi-types.ts', () => {
  it("matches the cloud's current OpenAPI document (else: npm run generate -w client)", async () => {
    expect(await readFile(SCHEMA_FILE, 'utf8')).toBe(await generateSchema());
  }, 30_000);
});
