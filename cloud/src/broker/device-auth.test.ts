import { ManualClock } from '@lounge/shared';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { DeviceRecord } from '../store/port.ts';
import { cloudLogin, createDeviceAuth, createEmbeddedRegistry } from './device-auth.ts';

const ID = 'dev_01JD0000000000000000000001';
const device: DeviceRecord = {
  deviceId: ID,
  loungeId: 'MAD-T4S-VELAZQUEZ',
  name: 'box',
  hardware: null,
  publicJwk: '{}',
  mqttPasswordHash: 'hash-of:secret',
  enrolledAt: 0,
  lastSeenAt: null,
  online: false,
  revocationSeq: 0,
  decommissionedAt: null,
};

function setup() {
  const clock = new ManualClock(1_000_000);
  const rows = new Map([[ID, { ...device }]]);
  const calls = { verify: 0, find: 0 };
  const auth = createDeviceAuth({
    store: {
      async findDevice(id) {
        calls.find++;
        return rows.get(id) ?? null;
      },
    },
    cloud: [{ username: 'cloud', password: 'cloud-pw' }],
    clock,
    log: pino({ level: 'silent' }),
    cacheMs: 30_000,
    verify: async (pw, hash) => {
      calls.verify++;
      return hash === `hash-of:${pw}`;
    },
  });
  const pw = (s: string) => Buffer.from(s);
  return { auth, clock, rows, calls, pw };
}

describe('cloudLogin', () => {
  it('uses MQTT_USERNAME/MQTT_PASSWORD, else makes a random internal login', () => {
    expect(cloudLogin({ username: 'u', password: 'p' })).toEqual({ username: 'u', password: 'p' });
    const a = cloudLogin({});
    expect(a.password).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(cloudLogin({}).password).not.toBe(a.password);
  });
});

describe('device broker logins', () => {
  it('checks the password hash once, then trusts the cache briefly', async () => {
    const { auth, calls, pw } = setup();
    expect(await auth.authenticate(ID, pw('secret'))).toBe(true);
    expect(await auth.authenticate(ID, pw('secret'))).toBe(true);
    expect(calls.verify).toBe(1);
    expect(await auth.authenticate(ID, pw('other'))).toBe(false);
    expect(await auth.authenticate(ID, undefined)).toBe(false);
    expect(await auth.authenticate('dev_nope', pw('secret'))).toBe(false);
  });

  it('refuses a decommissioned device once forgotten, or once the cache expires', async () => {
    const { auth, clock, rows, pw } = setup();
    expect(await auth.authenticate(ID, pw('secret'))).toBe(true);
    rows.get(ID)!.decommissionedAt = clock.now();
    expect(
      await auth.hooks.authorizePublish!(ID, 'lounge/v1/lounges/MAD-T4S-VELAZQUEZ/entries'),
    ).toBe(true);
    clock.advance(30_001);
    expect(
      await auth.hooks.authorizePublish!(ID, 'lounge/v1/lounges/MAD-T4S-VELAZQUEZ/entries'),
    ).toBe(false);
    expect(await auth.authenticate(ID, pw('secret'))).toBe(false);
  });

  it('the embedded registry forgets and kicks on decommission', async () => {
    const { auth, rows, pw, clock } = setup();
    const kicked: string[] = [];
    const registry = createEmbeddedRegistry(auth, (u) => kicked.push(u));
    expect(await auth.authenticate(ID, pw('secret'))).toBe(true);
    rows.get(ID)!.decommissionedAt = clock.now();
    await registry.decommissionDevice(ID);
    expect(kicked).toEqual([ID]);
    expect(await auth.authenticate(ID, pw('secret'))).toBe(false);
    expect(registry.problem()).toBeNull();
  });

  it('knows the cloud login and applies device ACLs to the rest', async () => {
    const { auth, pw } = setup();
    expect(await auth.authenticate('cloud', pw('cloud-pw'))).toBe(true);
    expect(await auth.authenticate('cloud', pw('cloud-px'))).toBe(false);
    expect(await auth.hooks.authorizeSubscribe!('cloud', '#')).toBe(true);
    expect(await auth.hooks.authorizeSubscribe!(ID, '#')).toBe(false);
    expect(await auth.hooks.authorizeSubscribe!(ID, 'lounge/v1/keys')).toBe(true);
    expect(await auth.hooks.authorizeSubscribe!(undefined, 'lounge/v1/keys')).toBe(false);
  });
});
