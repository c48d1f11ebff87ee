import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '@lounge/shared';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  KEY_VERSION_CHECK_MS,
  KEYS_MESSAGE_DELAY_MS,
  createKeyRing,
} from '../../src/domain/key-ring.ts';
import type { KeyRing } from '../../src/signing-keys/index.ts';
import { createStore } from '../../src/store/index.ts';
import type { CloudStore } from '../../src/store/port.ts';

// Several instances (and the `signing-keys rotate` CLI) share one store, each with its own
// key ring: a change by one shows in every other's JWKS and signing within a second, and the
// `keys` message is due only after that (SPEC.md 4 and 6).
let dir: string;
let stores: CloudStore[] = [];
const clock = new ManualClock(Date.UTC(2026, 10, 25, 12));
const kek = new Uint8Array(randomBytes(32));

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cloud-keyring-'));
});
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
  rmSync(dir, { recursive: true, force: true });
});

async function instance(): Promise<{ store: CloudStore; keys: KeyRing }> {
  const store = await createStore(`sqlite:${join(dir, 'cloud.db')}`, {
    log: pino({ level: 'silent' }),
    clock,
  });
  await store.migrate();
  stores.push(store);
  return { store, keys: createKeyRing({ store, clock, kek }) };
}

const kids = async (ring: KeyRing) => (await ring.jwks()).keys.map((k) => k.kid);

describe('key ring across instances', () => {
  it('serves a rotation by another process within KEY_VERSION_CHECK_MS, before the message', async () => {
    const a = await instance();
    const b = await instance();
    expect(await a.keys.ensureKey()).toBe(true);
    expect(await b.keys.ensureKey()).toBe(false);
    const before = await kids(b.keys);
    expect(before).toHaveLength(2);
    expect(await kids(a.keys)).toEqual(before);
    // Warm b's cache, then rotate from a third ring (the CLI).
    const signingBefore = (await b.keys.current()).kid;
    await a.keys.noteSigned(signingBefore, clock.now() / 1000 + 3600); // a token it signed
    const cli = await instance();
    clock.advance(10);
    const { kid, standby } = await cli.keys.rotate();
    expect(before).toContain(kid);
    clock.advance(KEY_VERSION_CHECK_MS);
    expect(await kids(b.keys)).toEqual([standby, kid, signingBefore]);
    expect((await b.keys.current()).kid).toBe(kid);
    expect(kid).not.toBe(signingBefore);
    // Its keys message is not due before every instance has seen the change.
    const due = () =>
      b.store.claimOutbox('w', clock.now(), 10, 1000, ['mqtt']).then((rows) => rows.length);
    expect(KEYS_MESSAGE_DELAY_MS).toBeGreaterThan(2 * KEY_VERSION_CHECK_MS);
    expect(await due()).toBe(0);
    clock.advance(KEYS_MESSAGE_DELAY_MS);
    expect(await due()).toBeGreaterThan(0);
  });

  it('keeps serving its cached set while the database is away', async () => {
    const a = await instance();
    await a.keys.ensureKey();
    const set = await kids(a.keys);
    await a.store.close();
    stores = [];
    clock.advance(KEY_VERSION_CHECK_MS);
    expect(await kids(a.keys)).toEqual(set);
  });
});
