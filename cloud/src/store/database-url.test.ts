import { describe, expect, it } from 'vitest';
import { parseDatabaseUrl } from './database-url.ts';

describe('parseDatabaseUrl', () => {
  it('reads sqlite paths, relative, absolute and in memory', () => {
    expect(parseDatabaseUrl('sqlite:./data/cloud.db')).toEqual({
      kind: 'sqlite',
      path: './data/cloud.db',
    });
    expect(parseDatabaseUrl('sqlite:///var/lib/x.db')).toEqual({
      kind: 'sqlite',
      path: '/var/lib/x.db',
    });
    expect(parseDatabaseUrl('sqlite::memory:')).toEqual({ kind: 'sqlite', path: ':memory:' });
  });

  it('passes postgres URLs through', () => {
    for (const url of ['postgres://u:p@db:5432/lounge', 'postgresql://db/lounge?sslmode=require']) {
      expect(parseDatabaseUrl(url)).toEqual({ kind: 'postgres', url });
    }
  });

  it('names DATABASE_URL for anything else, without echoing credentials', () => {
    expect(() => parseDatabaseUrl('mysql://root:secret@db/x')).toThrow(
      /^DATABASE_URL: .*"mysql:…"$/,
    );
    expect(() => parseDatabaseUrl('mysql://root:secret@db/x')).not.toThrow(/secret/);
    expect(() => parseDatabaseUrl('sqlite:')).toThrow(/DATABASE_URL/);
  });
});
