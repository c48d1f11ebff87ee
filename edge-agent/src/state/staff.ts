import { prep, type Db } from './db.ts';

/** One desk-console staff member: the name they sign in with and their PIN's scrypt hash. */
export interface StaffMember {
  name: string;
  pinHash: string;
  createdAt: number;
}

interface Row {
  name: string;
  pin_hash: string;
  created_at: number;
}

/** Who may use the desk console (SPEC.md 7 `add-staff` / `remove-staff`). */
export class StaffStore {
  constructor(private readonly db: Db) {}

  /** Adds a member or replaces their PIN; true when the name was new. */
  upsert(name: string, pinHash: string, nowMs: number): boolean {
    const existed = this.find(name) !== undefined;
    prep(
      this.db,
      `INSERT INTO staff (name, pin_hash, created_at) VALUES (?, ?, ?)
         ON CONFLICT (name) DO UPDATE SET pin_hash = excluded.pin_hash`,
    ).run(name, pinHash, nowMs);
    return !existed;
  }

  /** Removes a member; false when there was nobody of that name. */
  remove(name: string): boolean {
    return prep(this.db, 'DELETE FROM staff WHERE name = ?').run(name).changes > 0;
  }

  find(name: string): StaffMember | undefined {
    const row = prep<[string], Row>(this.db, 'SELECT * FROM staff WHERE name = ?').get(name);
    return row && { name: row.name, pinHash: row.pin_hash, createdAt: row.created_at };
  }

  names(): string[] {
    return prep<[], { name: string }>(this.db, 'SELECT name FROM staff ORDER BY name')
      .all()
      .map((r) => r.name);
  }
}
