/** The two SQL dialects the store speaks. */
export type Dialect = 'sqlite' | 'postgres';

/** One numbered migration: its statements for a dialect, applied in one transaction. */
export interface Migration {
  id: number;
  name: string;
  up(dialect: Dialect): string[];
}

/** Column types that differ between the dialects. */
export function columnTypes(dialect: Dialect): { ms: string; blob: string; bool: string } {
  return dialect === 'postgres'
    ? { ms: 'BIGINT', blob: 'BYTEA', bool: 'BOOLEAN' }
    : { ms: 'INTEGER', blob: 'BLOB', bool: 'INTEGER' };
}
