import { connect as tcp, type Socket } from 'node:net';
import { newEventId, TOPICS } from '@lounge/shared';
import type { MqttClient } from 'mqtt';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cloudLogin,
  createDeviceAuth,
  createEmbeddedRegistry,
} from '../../src/broker/device-auth.ts';
import {
  DEFAULT_BROKER_LIMITS,
  startEmbeddedBroker,
  type EmbeddedBroker,
} from '../../src/broker/embedded.ts';
import { startSubscriber, type Subscriber } from '../../src/broker/subscriber.ts';
import type { Enrollment } from '../../src/domain/enroll-device.ts';
import { recordDeviceStatus } from '../../src/domain/fleet.ts';
import { recordLoungeEvents } from '../../src/domain/record-lounge-events.ts';
import { verifyPassword } from '../../src/security/index.ts';
import type { InvitationView } from '../../src/domain/views.ts';
import {
  addOtherLounge,
  closes,
  collect,
  connect,
  enrollDevice,
  eventually,
  OTHER_LOUNGE,
  refusals,
} from './broker-fixtures.ts';
import { LOUNGE, makeCloud, type TestCloud } from './harness.ts';

// The embedded aedes broker with the device-login hooks, over a real SQLite cloud store.
let cloud: TestCloud;
let broker: EmbeddedBroker;
let cloudClient: MqttClient;
let subscriber: Subscriber;
let auth: ReturnType<typeof createDeviceAuth>;
let hashes = 0;
let here: Enrollment;
let there: Enrollment;
const kicked: string[] = [];
const clients: MqttClient[] = [];
const log = pino({ level: 'silent' });
const login = cloudLogin({});

/** A grant event as a box publishes it. */
const grantOf = (deviceId: string, invitationId: string, over: Record<string, unknown> = {}) => ({
  type: 'grant',
  eventId: newEventId(),
  deviceId,
  gate: 'g',
  at: new Date(cloud.clock.now()).toISOString(),
  invitationId,
  admit: 1,
  reason: 'OK',
  ...over,
});

/**
 * A device session (MQTT 3.1.1: aedes speaks nothing newer). Client id = deviceId, so a new
 * session of the same box ends the one before.
 */
async function asDevice(d: Enrollment, password = d.mqtt.password): Promise<MqttClient> {
  const client = await connect(broker.url, {
    username: d.deviceId,
    password,
    clientId: d.deviceId,
    protocolVersion: 4,
  });
  clients.push(client);
  return client;
}

beforeAll(async () => {
  cloud = await makeCloud();
  await addOtherLounge(cloud);
  auth = createDeviceAuth({
    store: cloud.store,
    cloud: [login],
    clock: cloud.clock,
    log,
    verify: (password, hash) => (hashes++, verifyPassword(password, hash)),
  });
  broker = await startEmbeddedBroker({ host: '127.0.0.1', port: 0, hooks: auth.hooks });
  cloudClient = await connect(broker.url, { ...login, clientId: 'cloud', protocolVersion: 4 });
  subscriber = startSubscriber({
    client: cloudClient,
    store: cloud.store,
    recordEvents: (loungeId, events, mayAuthor) =>
      recordLoungeEvents(cloud.deps, events, { channel: 'mqtt', loungeId, mayAuthor }),
    recordStatus: (...args) => recordDeviceStatus(cloud.deps, ...args),
    log,
    shared: false,
  });
  [here, there] = [await enrollDevice(cloud, LOUNGE), await enrollDevice(cloud, OTHER_LOUNGE)];
});

afterAll(async () => {
  await subscriber?.stop();
  for (const c of [...clients, cloudClient]) await c?.endAsync(true);
  await broker?.close();
  await cloud?.close();
});

describe('embedded broker logins', () => {
  it('lets a device in with its enrolment password and refuses everything else', async () => {
    const ok = await asDevice(here);
    expect(ok.connected).toBe(true);
    await expect(asDevice(here, 'wrong-password')).rejects.toThrow(/Bad username or password/i);
    await expect(asDevice(here, there.mqtt.password)).rejects.toThrow(/Bad username or password/i);
    await expect(connect(broker.url, { clientId: 'anon', protocolVersion: 4 })).rejects.toThrow(
      /Bad username or password/i,
    );
    await expect(
      connect(broker.url, { ...login, password: 'nope', clientId: 'fake', protocolVersion: 4 }),
    ).rejects.toThrow(/Bad username or password/i);
  });

  it('refuses publishes outside the lounge and its own status, by closing the session', async () => {
    const spy = await connect(broker.url, { ...login, clientId: 'spy', protocolVersion: 4 });
    clients.push(spy);
    const seen = collect(spy);
    await spy.subscribeAsync('lounge/#', { qos: 1 });
    const forbidden = [
      TOPICS.loungeEntries(OTHER_LOUNGE),
      TOPICS.revocations,
      TOPICS.keys,
      TOPICS.deviceStatus(there.deviceId),
    ];
    for (const topic of forbidden) {
      const device = await asDevice(here);
      device.publish(topic, '{"forged":true}', { qos: 1 });
      expect(await closes(device), topic).toBe(true);
    }
    // A last will is a publish too: one aimed at the revocations topic is dropped.
    const forger = await connect(broker.url, {
      username: here.deviceId,
      password: here.mqtt.password,
      clientId: here.deviceId,
      protocolVersion: 4,
      will: { topic: TOPICS.revocations, payload: Buffer.from('{"seq":1}'), qos: 1, retain: false },
    });
    forger.stream.destroy();
    await new Promise((r) => setTimeout(r, 200)); // the broker handles the lost connection
    const device = await asDevice(here);
    await device.publishAsync(TOPICS.deviceStatus(here.deviceId), '{"online":true}', { qos: 1 });
    await eventually(() => seen.length > 0);
    expect(seen.map((m) => m.topic)).toEqual([TOPICS.deviceStatus(here.deviceId)]);
  });

  it('refuses subscriptions to other lounges and wildcards', async () => {
    const device = await asDevice(here);
    const allowed = [TOPICS.revocations, TOPICS.revocationsHead, TOPICS.keys];
    const granted = await device.subscribeAsync([...allowed, TOPICS.loungeEntries(LOUNGE)], {
      qos: 1,
    });
    expect(granted.map((g) => g.qos)).toEqual([1, 1, 1, 1]);
    for (const filter of [TOPICS.loungeEntries(OTHER_LOUNGE), '#', 'lounge/v1/lounges/+/entries']) {
      // A refusal is a SUBACK 0x80 (mqtt.js: "Unspecified error") or a closed session.
      const other = await asDevice(here);
      const outcome = await other.subscribeAsync(filter, { qos: 1 }).then(
        (g) => String(g[0]!.qos),
        (err: Error) => err.message,
      );
      expect(outcome, filter).toMatch(/^128$|Unspecified error|Connection closed/);
    }
  });
});

describe('session takeover (a box using the client id of another)', () => {
  it("refuses a box logging in under another box's client id: no session, no messages", async () => {
    const victim = await connect(broker.url, {
      username: here.deviceId,
      password: here.mqtt.password,
      clientId: here.deviceId,
      clean: false,
      protocolVersion: 4,
    });
    clients.push(victim);
    await victim.subscribeAsync(TOPICS.loungeEntries(LOUNGE), { qos: 1 });
    let drops = 0;
    victim.on('close', () => drops++);
    // The attacker: a BCN box with its own good login, the MAD box's id, clean:false,
    // reconnecting every 50 ms.
    const outcomes: string[] = [];
    for (let i = 0; i < 10; i++) {
      const attempt = connect(broker.url, {
        username: there.deviceId,
        password: there.mqtt.password,
        clientId: here.deviceId,
        clean: false,
        protocolVersion: 4,
      });
      outcomes.push(
        await attempt.then(
          (c) => (clients.push(c), `sessionPresent:${c.connected}`),
          (err: Error) => err.message,
        ),
      );
      await new Promise((r) => setTimeout(r, 50));
    }
    // Refused at CONNECT; after a burst the client id is throttled before any check.
    expect(outcomes[0]).toBe('Connection refused: Identifier rejected');
    for (const o of outcomes) expect(o).toMatch(/Identifier rejected|Server unavailable/);
    expect(victim.connected).toBe(true);
    expect(drops).toBe(0);
    // A cloud login may not take a box's id either (refused, or throttled by now).
    await expect(
      connect(broker.url, { ...login, clientId: here.deviceId, protocolVersion: 4 }),
    ).rejects.toThrow(/Identifier rejected|Server unavailable/);
    expect(victim.connected).toBe(true);
    await victim.endAsync();
  });
});

describe('password floods (no unbounded password hashing)', () => {
  it('40 parallel wrong passwords for a known box: at most 5 hashes, the box still gets in', async () => {
    const victim = await enrollDevice(cloud, LOUNGE);
    const before = hashes;
    const outcomes = await Promise.all(
      Array.from({ length: 40 }, () =>
        connect(broker.url, {
          username: victim.deviceId,
          password: 'guess',
          clientId: victim.deviceId,
          protocolVersion: 4,
        }).then(
          (c) => (clients.push(c), 'in'),
          (err: Error) => err.message,
        ),
      ),
    );
    expect(outcomes.filter((o) => /Bad username or password/.test(o)).length).toBe(5);
    expect(outcomes.filter((o) => /Server unavailable/.test(o)).length).toBe(35);
    expect(hashes - before).toBe(5);
    // The box itself is held back at most one refill (5 s) of the throttle, not locked out.
    cloud.clock.advance(5_000);
    expect((await asDevice(victim)).connected).toBe(true);
  });
});

describe('what devices publish reaches the cloud', () => {
  it('records an entry event: the invitation is used, a duplicate changes nothing', async () => {
    const inv = await cloud.call<InvitationView>('POST', '/v1/invitations', {
      body: cloud.invitationBody({ customerId: 'IB0700', guests: 1 }),
    });
    const device = await asDevice(here);
    const entry = {
      type: 'grant',
      eventId: newEventId(),
      deviceId: here.deviceId,
      gate: 'gate-1',
      at: new Date(cloud.clock.now()).toISOString(),
      invitationId: inv.json.id,
      admit: 2,
      reason: 'OK',
    };
    for (let i = 0; i < 2; i++) {
      await device.publishAsync(TOPICS.loungeEntries(LOUNGE), JSON.stringify(entry), { qos: 1 });
    }
    const status = async () =>
      (await cloud.call<InvitationView>('GET', `/v1/invitations/${inv.json.id}`)).json.status;
    await eventually(async () => (await status()) === 'used');
    await subscriber.idle();
    expect(await cloud.store.entriesUsed(inv.json.id)).toBe(1);
  });

  it('drops entries a device sends for another lounge or another device', async () => {
    const inv = await cloud.call<InvitationView>('POST', '/v1/invitations', {
      body: cloud.invitationBody({ customerId: 'IB0701' }),
    });
    const entry = (deviceId: string) =>
      JSON.stringify({
        type: 'grant',
        eventId: newEventId(),
        deviceId,
        gate: 'g',
        at: new Date(cloud.clock.now()).toISOString(),
        invitationId: inv.json.id,
        admit: 1,
        reason: 'OK',
      });
    // The cloud login can publish anywhere: it stands in for a broker that let them through.
    await cloudClient.publishAsync(TOPICS.loungeEntries(LOUNGE), entry(there.deviceId), {
      qos: 1,
    });
    await cloudClient.publishAsync(TOPICS.loungeEntries(LOUNGE), '{"not":"an entry"}', { qos: 1 });
    await cloudClient.publishAsync(TOPICS.loungeEntries(LOUNGE), entry('dev_unknown'), { qos: 1 });
    const device = await asDevice(here);
    await device.publishAsync(TOPICS.loungeEntries(LOUNGE), entry(here.deviceId), { qos: 1 });
    await eventually(async () => (await cloud.store.entriesUsed(inv.json.id)) === 1);
    await subscriber.idle();
    expect(await cloud.store.entriesUsed(inv.json.id)).toBe(1);
  });

  it("drops (and counts) a grant naming another lounge's invitation, or another lounge's box", async () => {
    const body = cloud.invitationBody({ customerId: 'IB0702', guests: 0 });
    const foreign = await cloud.call<InvitationView>('POST', '/v1/invitations', {
      body: { ...body, loungeId: OTHER_LOUNGE, flight: { ...body.flight, number: 'IB3101' } },
    });
    const mine = await cloud.call<InvitationView>('POST', '/v1/invitations', {
      body: cloud.invitationBody({ customerId: 'IB0703', guests: 0 }),
    });
    const device = await asDevice(here);
    const before = await refusals(cloud);
    const publish = (e: object) =>
      device.publishAsync(TOPICS.loungeEntries(LOUNGE), JSON.stringify(e), { qos: 1 });
    await publish(grantOf(here.deviceId, foreign.json.id));
    await publish(grantOf(there.deviceId, mine.json.id));
    await publish(grantOf(here.deviceId, mine.json.id, { admit: 1 }));
    await eventually(async () => (await cloud.store.entriesUsed(mine.json.id)) === 1);
    await subscriber.idle();
    expect(await cloud.store.entriesUsed(foreign.json.id)).toBe(0);
    expect(await cloud.store.entriesUsed(mine.json.id)).toBe(1);
    const after = await refusals(cloud);
    expect((after['mqtt:WRONG_LOUNGE'] ?? 0) - (before['mqtt:WRONG_LOUNGE'] ?? 0)).toBe(1);
    expect((after['mqtt:WRONG_DEVICE'] ?? 0) - (before['mqtt:WRONG_DEVICE'] ?? 0)).toBe(1);
  });

  it('drops admit -1 and foreign annuls: /v1/validate never grants a used code twice', async () => {
    const inv = await cloud.call<InvitationView>('POST', '/v1/invitations', {
      body: cloud.invitationBody({ customerId: 'IB0704', guests: 0 }),
    });
    const validate = async () =>
      (
        await cloud.call<{ decision: string; reason: string; eventId: string }>(
          'POST',
          '/v1/validate',
          { body: { code: inv.json.token, loungeId: LOUNGE, consume: true } },
        )
      ).json;
    const first = await validate();
    expect(first).toMatchObject({ decision: 'grant' });
    const device = await asDevice(here);
    const publish = (e: object) =>
      device.publishAsync(TOPICS.loungeEntries(LOUNGE), JSON.stringify(e), { qos: 1 });
    const negative = grantOf(here.deviceId, inv.json.id, { admit: -1 });
    const { type: _t, reason: _r, ...legacy } = negative; // the old wire shape
    await publish(negative);
    await publish({ ...legacy, eventId: newEventId() });
    // An annul of the cloud's grant, which no box made.
    await publish({
      type: 'annul',
      eventId: newEventId(),
      deviceId: here.deviceId,
      gate: 'g',
      at: new Date(cloud.clock.now()).toISOString(),
      annuls: first.eventId,
    });
    const sentinel = await cloud.call<InvitationView>('POST', '/v1/invitations', {
      body: cloud.invitationBody({ customerId: 'IB0705', guests: 0 }),
    });
    await publish(grantOf(here.deviceId, sentinel.json.id));
    await eventually(async () => (await cloud.store.entriesUsed(sentinel.json.id)) === 1);
    await subscriber.idle();
    expect(await cloud.store.entriesUsed(inv.json.id)).toBe(1);
    expect(await validate()).toMatchObject({ decision: 'deny', reason: 'ALREADY_USED' });
  });

  it('shows device status in the fleet view', async () => {
    const device = await asDevice(here);
    const status = {
      online: true,
      version: '1.2.3',
      revocationSeq: 7,
      at: new Date().toISOString(),
    };
    await device.publishAsync(TOPICS.deviceStatus(here.deviceId), JSON.stringify(status), {
      qos: 1,
      retain: true,
    });
    type Fleet = { devices: { deviceId: string; online: boolean; revocationSeq: number }[] };
    const view = async () =>
      (await cloud.call<Fleet>('GET', '/v1/devices')).json.devices.find(
        (d) => d.deviceId === here.deviceId,
      );
    await eventually(async () => (await view())?.revocationSeq === 7);
    expect(await view()).toMatchObject({ online: true, revocationSeq: 7 });
  });
});

describe('decommissioning', () => {
  it('cuts an open session off and refuses the next login', async () => {
    const device = await enrollDevice(cloud, LOUNGE);
    const session = await asDevice(device);
    const closed = closes(session);
    const registry = createEmbeddedRegistry(auth, (username) => broker.disconnect(username));
    expect((await cloud.call('POST', `/v1/devices/${device.deviceId}/decommission`)).status).toBe(
      200,
    );
    await registry.decommissionDevice(device.deviceId);
    expect(await closed).toBe(true);
    await expect(asDevice(device)).rejects.toThrow(/Bad username or password/i);
  });

  it('lets a session the broker failed to kick publish nothing more', async () => {
    const device = await enrollDevice(cloud, LOUNGE);
    const session = await asDevice(device);
    const registry = createEmbeddedRegistry(auth, (username) => kicked.push(username));
    await cloud.call('POST', `/v1/devices/${device.deviceId}/decommission`);
    await registry.decommissionDevice(device.deviceId);
    expect(kicked).toEqual([device.deviceId]);
    session.publish(TOPICS.loungeEntries(LOUNGE), '{}', { qos: 1 });
    expect(await closes(session)).toBe(true);
  });
});

describe('resource limits (no unauthenticated memory exhaustion)', () => {
  let limited: EmbeddedBroker;
  const sockets: Socket[] = [];
  beforeAll(async () => {
    limited = await startEmbeddedBroker({
      host: '127.0.0.1',
      port: 0,
      hooks: auth.hooks,
      limits: { connectTimeoutMs: 300, maxPending: 5, maxPendingPerAddress: 3 },
    });
  });
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await limited?.close();
  });

  /** A raw TCP connection to the limited broker; `closed` resolves with ms until it closed. */
  async function raw(): Promise<{ socket: Socket; closed: Promise<number> }> {
    const socket = tcp({ host: '127.0.0.1', port: limited.port });
    sockets.push(socket);
    socket.on('error', () => {});
    const opened = Date.now();
    const closed = new Promise<number>((r) => socket.once('close', () => r(Date.now() - opened)));
    await new Promise((r) => socket.once('connect', r));
    return { socket, closed };
  }
  const within = (p: Promise<number>, ms: number) =>
    Promise.race([p, new Promise<number>((r) => setTimeout(() => r(Infinity), ms))]);

  it('ships 64 KiB packets and a 5 s CONNECT deadline by default', () => {
    expect(DEFAULT_BROKER_LIMITS).toMatchObject({
      maxPacketBytes: 65_536,
      connectTimeoutMs: 5_000,
    });
  });

  it('cuts a CONNECT declaring more than 64 KiB as soon as its header arrives', async () => {
    const { socket, closed } = await raw();
    socket.write(Buffer.from([0x10, 0xff, 0xff, 0x04])); // remaining length 65,535 + 3 > 64 KiB
    socket.write(Buffer.alloc(16 * 1024));
    expect(await within(closed, 1_000)).toBeLessThan(1_000);
  });

  it('cuts a logged-in device that publishes a packet over 64 KiB', async () => {
    const device = await connect(limited.url, {
      username: here.deviceId,
      password: here.mqtt.password,
      clientId: here.deviceId,
      protocolVersion: 4,
    });
    clients.push(device);
    device.publish(TOPICS.deviceStatus(here.deviceId), Buffer.alloc(70_000), { qos: 0 });
    expect(await closes(device)).toBe(true);
  });

  it('drops a CONNECT not completed in time', async () => {
    const { socket, closed } = await raw();
    socket.write(Buffer.from([0x10, 0x40, 0x00])); // 64 bytes announced, 1 sent
    const ms = await within(closed, 2_000);
    expect(ms).toBeGreaterThanOrEqual(250);
    expect(ms).toBeLessThan(2_000);
  });

  it('caps connections that have not logged in, per address', async () => {
    const idle = await Promise.all([raw(), raw(), raw()]);
    const fourth = await raw();
    expect(await within(fourth.closed, 500)).toBeLessThan(500);
    for (const { socket } of idle) socket.destroy();
    await Promise.all(idle.map((i) => i.closed));
    await eventually(() => limited.pendingConnections() === 0);
    const device = await connect(limited.url, {
      username: there.deviceId,
      password: there.mqtt.password,
      clientId: there.deviceId,
      protocolVersion: 4,
    });
    clients.push(device);
    // Logged in: no longer counted against the address.
    expect(limited.pendingConnections()).toBe(0);
  });
});
