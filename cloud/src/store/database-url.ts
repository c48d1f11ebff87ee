/** Where the store lives, parsed from DATABASE_URL. */
export type DatabaseTarget = { kind: 'sqlite'; path: string } | { kind: 'postgres'; url: string };

/**
 * `sqlite:PATH` (relative to the working directory; `sqlite:///abs/path` and `sqlite::memory:`
 * work too) or `postgres://…` / `postgresql://…`. Anything else throws, naming the variable.
 */
export function parseDatabaseUrl(databaseUrl: string): DatabaseTarget {
  if (databaseUrl.startsWith('sqlite:')) {
    let path = databaseUrl.slice('sqlite:'.length);
    if (path.startsWith('//')) path = path.slice(2);
    if (path === '')
      throw new Error('DATABASE_URL: sqlite: needs a file path, e.g. sqlite:./data/cloud.db');
    return { kind: 'sqlite', path };
  }
  if (/^postgres(ql)?:\/\//.test(databaseUrl)) return { kind: 'postgres', url: databaseUrl };
  throw new Error(
    `DATABASE_URL: expected sqlite:PATH or postgres://…, got "${databaseUrl.split(':')[0]}:…"`,
  );
}
