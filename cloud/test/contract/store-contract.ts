import { ManualClock } from '@lounge/shared';
import { afterEach, beforeEach, describe } from 'vitest';
import type { CloudStore } from '../../src/store/port.ts';
import { concurrencyContract } from './concurrency.ts';
import { T0, type MakeStore, type StoreHandle } from './fixtures.ts';
import { fleetContract } from './fleet.ts';
import { invitationsContract } from './invitations.ts';
import { loungeEventsContract } from './lounge-events.ts';
import { outboxContract } from './outbox.ts';
import { recordsContract } from './records.ts';
import { retirementContract } from './retirement.ts';

export type { MakeStore, StoreHandle } from './fixtures.ts';

/** What each contract section sees: a migrated store on a fresh database. */
export interface ContractContext {
  store: CloudStore;
  clock: ManualClock;
  /** A second migrated instance on the same database. */
  twin(): Promise<CloudStore>;
  handle: StoreHandle;
  /** Another fresh, NOT migrated database, cleaned up with the test. */
  fresh(): Promise<StoreHandle>;
}

/**
 * The store contract: every behaviour the API relies on, run against each adapter (the
 * MQTT.js `abstract_store` pattern). Each test gets a fresh database.
 */
export function runStoreContract(name: string, makeStore: MakeStore): void {
  describe(`store contract: ${name}`, () => {
    let ctx: ContractContext | undefined;
    let extra: StoreHandle[] = [];

    beforeEach(async () => {
      const clock = new ManualClock(T0);
      const handle = await makeStore({ clock });
      await handle.store.migrate();
      extra = [];
      ctx = {
        store: handle.store,
        clock,
        handle,
        async twin() {
          const other = await handle.openTwin();
          await other.migrate();
          return other;
        },
        async fresh() {
          const more = await makeStore({ clock });
          extra.push(more);
          return more;
        },
      };
    });

    afterEach(async () => {
      for (const h of extra) await h.cleanup();
      await ctx?.handle.cleanup();
      ctx = undefined;
    });

    const get = (): ContractContext => {
      if (!ctx) throw new Error('contract context used outside a test');
      return ctx;
    };
    recordsContract(get);
    invitationsContract(get);
    loungeEventsContract(get);
    outboxContract(get);
    fleetContract(get);
    concurrencyContract(get);
    retirementContract(get);
  });
}
