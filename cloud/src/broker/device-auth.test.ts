import { ManualClock } from '@lounge/shared';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { DeviceRecord } from '../store/port.ts';
import { createBoundedWork } from '../security/index.ts';
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
  heartbeat: null,
  heartbeatAt: null,
};

function setup() {
  const clock = new ManualClock(1_000_000);
  const rows = new Map([[ID, { ...device }]]);
  const calls = { verify: 0, find: 0 };
  const lines: string[] = [];
  const log = pino({ level: 'info' }, { write: (line: string) => void lines.push(line) });
  const auth = createDeviceAuth({
    store: {
      async findDevice(id) {
        calls.find++;
        return rows.get(id) ?? null;
      },
    },
    cloud: [{ username: 'cloud', password: 'cloud-pw' }],
    clock,
    log,
    cacheMs: 30_000,
    verify: async (pw, hash) => {
      calls.verify++;
      return hash === `hash-of:${pw}`;
    },
  });
  const pw = (s: string) => Buffer.from(s);
  /** A login with client id = username unless told otherwise. */
  const login = async (
    username: string | undefined,
    password: Buffer | undefined,
    clientId = username ?? '',
    address = '10.0.0.1',
  ) => (await auth.authenticate({ username, password, clientId, address })) === 'ok';
  return { auth, clock, rows, calls, pw, login, lines };
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
    const { calls, pw, login } = setup();
    expect(await login(ID, pw('secret'))).toBe(true);
    expect(await login(ID, pw('secret'))).toBe(true);
    expect(calls.verify).toBe(1);
    expect(await login(ID, pw('other'))).toBe(false);
    expect(await login(ID, undefined)).toBe(false);
    expect(await login('dev_nope', pw('secret'))).toBe(false);
  });

  it('refuses a decommissioned device once forgotten, or once the cache expires', async () => {
    const { auth, clock, rows, pw, login } = setup();
    expect(await login(ID, pw('secret'))).toBe(true);
    rows.get(ID)!.decommissionedAt = clock.now();
    expect(
      await auth.hooks.authorizePublish!(ID, 'lounge/v1/lounges/MAD-T4S-VELAZQUEZ/entries'),
    ).toBe(true);
    clock.advance(30_001);
    expect(
      await auth.hooks.authorizePublish!(ID, 'lounge/v1/lounges/MAD-T4S-VELAZQUEZ/entries'),
    ).toBe(false);
    expect(await login(ID, pw('secret'))).toBe(false);
  });

  it('the embedded registry forgets and kicks on decommission', async () => {
    const { auth, rows, pw, clock, login } = setup();
    const kicked: string[] = [];
    const registry = createEmbeddedRegistry(auth, (u) => kicked.push(u));
    expect(await login(ID, pw('secret'))).toBe(true);
    rows.get(ID)!.decommissionedAt = clock.now();
    await registry.decommissionDevice(ID);
    expect(kicked).toEqual([ID]);
    expect(await login(ID, pw('secret'))).toBe(false);
    expect(registry.problem()).toBeNull();
  });

  it('knows the cloud login and applies device ACLs to the rest', async () => {
    const { auth, pw, login } = setup();
    expect(await login('cloud', pw('cloud-pw'))).toBe(true);
    expect(await login('cloud', pw('cloud-px'))).toBe(false);
    expect(await auth.hooks.authorizeSubscribe!('cloud', '#')).toBe(true);
    expect(await auth.hooks.authorizeSubscribe!(ID, '#')).toBe(false);
    expect(await auth.hooks.authorizeSubscribe!(ID, 'lounge/v1/keys')).toBe(true);
    expect(await auth.hooks.authorizeSubscribe!(undefined, 'lounge/v1/keys')).toBe(false);
  });
});

describe('client id bound to the login (SPEC.md section 6)', () => {
  it("refuses a device login with another client id, and a cloud login with a device's id", async () => {
    const { auth, calls, pw } = setup();
    const attempt = (username: string, password: string, clientId: string) =>
      auth.authenticate({ username, password: pw(password), clientId, address: '10.0.0.2' });
    const other = 'dev_01JD0000000000000000000002';
    expect(await attempt(ID, 'secret', other)).toBe('client-id');
    expect(await attempt(ID, 'secret', `${ID}-doctor`)).toBe('client-id');
    expect(await attempt('cloud', 'cloud-pw', ID)).toBe('client-id');
    expect(calls.verify).toBe(0);
    expect(await attempt(ID, 'secret', ID)).toBe('ok');
    expect(await attempt('cloud', 'cloud-pw', 'lounge-cloud-host-1')).toBe('ok');
  });
});

describe('failed-login throttle', () => {
  it('hashes at most a burst of wrong passwords per client id, then refuses before hashing', async () => {
    const { auth, calls, pw, clock, lines } = setup();
    const wrong = () =>
      auth.authenticate({ username: ID, password: pw('guess'), clientId: ID, address: '10.9.9.9' });
    const outcomes = await Promise.all(Array.from({ length: 40 }, wrong));
    expect(outcomes.filter((o) => o === 'refused')).toHaveLength(5);
    expect(outcomes.filter((o) => o === 'throttled')).toHaveLength(35);
    expect(calls.verify).toBe(5);
    // One line for the first failure, one when the throttle trips; none per attempt.
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(/throttled by client id/);
    // The box earns one attempt back every 5 s.
    clock.advance(5_000);
    expect(await wrong()).toBe('refused');
    expect(await wrong()).toBe('throttled');
    expect(calls.verify).toBe(6);
  });

  it('still lets the real box in with the password it last logged in with', async () => {
    const { auth, pw } = setup();
    const as = (password: string, address: string) =>
      auth.authenticate({ username: ID, password: pw(password), clientId: ID, address });
    expect(await as('secret', '10.0.0.1')).toBe('ok');
    for (let i = 0; i < 10; i++) await as('guess', '10.6.6.6');
    expect(await as('guess', '10.6.6.6')).toBe('throttled');
    expect(await as('secret', '10.0.0.1')).toBe('ok');
  });

  it('throttles per address across client ids, before any store read', async () => {
    const { auth, calls, pw, lines } = setup();
    const spray = (i: number, address = '10.7.7.7') => {
      const id = `dev_01JD00000000000000000${String(i).padStart(5, '0')}`;
      return auth.authenticate({ username: id, password: pw('x'), clientId: id, address });
    };
    const outcomes: string[] = [];
    for (let i = 0; i < 100; i++) outcomes.push(await spray(i + 10));
    expect(outcomes.filter((o) => o === 'refused')).toHaveLength(20);
    expect(calls.find).toBe(20);
    expect(lines.length).toBeLessThanOrEqual(21);
    expect(await spray(5, '10.8.8.8')).toBe('refused');
  });

  it('answers busy when the hashing queue is full', async () => {
    let release = () => {};
    const auth = createDeviceAuth({
      store: { findDevice: async (id) => (id === ID ? device : null) },
      cloud: [],
      clock: new ManualClock(0),
      log: pino({ level: 'silent' }),
      verify: () => new Promise((resolve) => (release = () => resolve(false))),
      hashing: createBoundedWork({ concurrency: 1, maxQueued: 0 }),
    });
    const attempt = (address: string) =>
      auth.authenticate({ username: ID, password: Buffer.from('x'), clientId: ID, address });
    const first = attempt('10.0.0.1');
    await new Promise((r) => setTimeout(r, 10));
    expect(await attempt('10.0.0.2')).toBe('busy');
    release();
    expect(await first).toBe('refused');
  });
});
