import { describe, expect, it } from 'vitest';
import { openDatabaseFile } from './db.ts';
import { GroupCommit } from './group-commit.ts';

function setup(wrap?: <T>(t: () => T) => T) {
  const db = openDatabaseFile(':memory:');
  const insert = db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)');
  const count = (): number =>
    (db.prepare('SELECT count(*) AS n FROM meta').get() as { n: number }).n;
  return { db, group: new GroupCommit(db, wrap), insert, count };
}

describe('GroupCommit', () => {
  it('runs writes of one turn in one transaction, in order, each seeing the ones before', async () => {
    const { db, group, insert, count } = setup();
    const seen: number[] = [];
    const results = await Promise.all(
      [1, 2, 3].map((i) =>
        group.run(() => {
          expect(db.inTransaction).toBe(true);
          seen.push(count());
          insert.run(`k${i}`, 'v');
          return i * 10;
        }),
      ),
    );
    expect(results).toEqual([10, 20, 30]);
    expect(seen).toEqual([0, 1, 2]);
    expect(db.inTransaction).toBe(false);
    expect(count()).toBe(3);
  });

  it('settles nothing before the commit, and a failing write rolls back only its own rows', async () => {
    const { db, group, insert, count } = setup();
    let committedWhenResolved = -1;
    const ok = group
      .run(() => insert.run('a', '1'))
      .then(() => {
        committedWhenResolved = db.inTransaction ? -1 : count();
      });
    const bad = group.run(() => {
      insert.run('b', '1');
      throw new Error('not this one');
    });
    const dup = group.run(() => insert.run('a', 'again')); // primary key clash
    const last = group.run(() => insert.run('c', '1'));
    await expect(bad).rejects.toThrow('not this one');
    await expect(dup).rejects.toMatchObject({ code: 'SQLITE_CONSTRAINT_PRIMARYKEY' });
    await Promise.all([ok, last]);
    expect(committedWhenResolved).toBe(2);
    const keys = db.prepare('SELECT key FROM meta ORDER BY key').all();
    expect(keys).toEqual([{ key: 'a' }, { key: 'c' }]);
  });

  it('runs the others again without a write that threw: none of them sees its rows', async () => {
    const { group, insert, count } = setup();
    const seenByLast: number[] = [];
    const first = group.run(() => insert.run('a', '1'));
    const bad = group.run(() => {
      insert.run('b', '1');
      throw new Error('not this one');
    });
    const last = group.run(() => {
      seenByLast.push(count());
      insert.run('c', '1');
    });
    await expect(bad).rejects.toThrow('not this one');
    await Promise.all([first, last]);
    // The batch stopped at `bad`; `last` ran once, in the second transaction, beside `a` alone.
    expect(seenByLast).toEqual([1]);
    expect(count()).toBe(2);
  });

  it('hands the whole transaction to the wrapper, which may retry it or fail every write', async () => {
    const full = Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
    let attempts = 0;
    const retrying = setup((t) => {
      try {
        return t();
      } catch {
        return t();
      }
    });
    const first = retrying.group.run(() => {
      retrying.insert.run(`k${attempts}`, 'v');
      if (attempts++ === 0) throw full;
      return 'stored';
    });
    await expect(first).resolves.toBe('stored');
    expect(retrying.db.prepare('SELECT key FROM meta').all()).toEqual([{ key: 'k1' }]);

    const failing = setup();
    const a = failing.group.run(() => failing.insert.run('a', '1'));
    const b = failing.group.run(() => {
      throw full;
    });
    await expect(a).rejects.toBe(full);
    await expect(b).rejects.toBe(full);
    expect(failing.count()).toBe(0);
  });
});
