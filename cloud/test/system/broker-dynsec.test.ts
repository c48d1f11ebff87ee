import { newEventId, TOPICS } from '@lounge/shared';
import type { MqttClient } from 'mqtt';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createDynsecControl,
  createDynsecRegistry,
  type MqttCredentialRegistry,
} from '../../src/broker/dynsec.ts';
import { startMosquitto, type MosquittoBroker } from '@lounge/test-helpers/mosquitto';
import { startSubscriber } from '../../src/broker/subscriber.ts';
import type { Enrollment } from '../../src/domain/enroll-device.ts';
import { recordDeviceStatus } from '../../src/domain/fleet.ts';
import {
  addOtherLounge,
  closes,
  collect,
  connect,
  enrollDevice,
  eventually,
  OTHER_LOUNGE,
} from '../integration/broker-fixtures.ts';
import { LOUNGE, makeCloud, type TestCloud } from '../integration/harness.ts';

// Real mosquitto with the dynamic-security plugin; the cloud's login is the dynsec admin.
const admin = { username: 'lounge-cloud', password: 'cloud-admin-secret' };
const log = pino({ level: 'silent' });
let mosquitto: MosquittoBroker;
let cloud: TestCloud;
let cloudClient: MqttClient;
let registry: MqttCredentialRegistry;
let here: Enrollment;
let there: Enrollment;
const clients: MqttClient[] = [];

async function session(username: string, password: string, clientId = username) {
  const client = await connect(mosquitto.url, { username, password, clientId, protocolVersion: 5 });
  clients.push(client);
  return client;
}
/** A device session: client id = deviceId (its dynsec record pins it). */
const asDevice = (d: Enrollment) => session(d.deviceId, d.mqtt.password, d.deviceId);
const asCloud = (clientId: string) => session(admin.username, admin.password, clientId);

/** Enrols over HTTP, then registers the login the way the enrolment use case does. */
async function enrolAndRegister(loungeId: string): Promise<Enrollment> {
  const device = await enrollDevice(cloud, loungeId);
  await registry.registerDevice({
    deviceId: device.deviceId,
    loungeId,
    password: device.mqtt.password,
  });
  return device;
}

beforeAll(async () => {
  mosquitto = await startMosquitto({
    dynsec: { adminUser: admin.username, adminPassword: admin.password },
    // What deploy/mosquitto/mosquitto.conf ships.
    config: 'max_packet_size 65536',
  });
  cloud = await makeCloud();
  await addOtherLounge(cloud);
  // Reconnects like the cloud's own client: mosquitto kicks it once when it gets its role.
  cloudClient = await connect(mosquitto.url, {
    ...admin,
    clientId: 'cloud-registry',
    protocolVersion: 5,
    reconnectPeriod: 100,
  });
  clients.push(cloudClient);
  registry = createDynsecRegistry({
    control: createDynsecControl(cloudClient),
    cloudUsername: admin.username,
    log,
    retry: { retries: 6, baseMs: 100, maxMs: 500 },
  });
  await registry.start();
  here = await enrolAndRegister(LOUNGE);
  there = await enrolAndRegister(OTHER_LOUNGE);
});

afterAll(async () => {
  await registry?.stop();
  for (const c of clients) await c.endAsync(true).catch(() => {});
  await mosquitto?.stop();
  await cloud?.close();
});

describe('device logins in mosquitto dynsec', () => {
  it('lets a registered device in with its enrolment password, nobody else', async () => {
    expect(registry.problem()).toBeNull();
    expect((await asDevice(here)).connected).toBe(true);
    await expect(session(here.deviceId, 'wrong')).rejects.toThrow(/not authorized|bad user/i);
    await expect(session(here.deviceId, there.mqtt.password)).rejects.toThrow();
  });

  it('holds the ACLs: own lounge and status only', async () => {
    const device = await asDevice(here);
    const publish = (topic: string) =>
      device.publishAsync(topic, '{}', { qos: 1 }).then(
        () => 'ok',
        (err: Error) => err.message,
      );
    expect(await publish(TOPICS.loungeEntries(LOUNGE))).toBe('ok');
    expect(await publish(TOPICS.deviceStatus(here.deviceId))).toBe('ok');
    for (const topic of [
      TOPICS.loungeEntries(OTHER_LOUNGE),
      TOPICS.revocations,
      TOPICS.keys,
      TOPICS.deviceStatus(there.deviceId),
    ]) {
      expect(await publish(topic), topic).toMatch(/not authorized/i);
    }
    const subscribe = (filter: string) =>
      device.subscribeAsync(filter, { qos: 1 }).then(
        (g) => g.map((x) => x.qos).join(),
        (err: Error) => err.message,
      );
    for (const t of [TOPICS.revocations, TOPICS.revocationsHead, TOPICS.keys]) {
      expect(await subscribe(t), t).toBe('1');
    }
    expect(await subscribe(TOPICS.loungeEntries(LOUNGE))).toBe('1');
    for (const filter of [
      TOPICS.loungeEntries(OTHER_LOUNGE),
      '#',
      'lounge/v1/lounges/+/entries',
      `$share/g/${TOPICS.loungeEntries(OTHER_LOUNGE)}`,
    ]) {
      expect(await subscribe(filter), filter).toMatch(/not authorized/i);
    }
  });

  it('lets the cloud publish what devices read', async () => {
    const device = await asDevice(here);
    const seen = collect(device);
    await device.subscribeAsync(TOPICS.revocations, { qos: 1 });
    await cloudClient.publishAsync(TOPICS.revocations, '{"seq":1}', { qos: 1 });
    await eventually(() => seen.length === 1);
  });

  it('re-registers idempotently and changes passwords', async () => {
    const device = await enrolAndRegister(LOUNGE);
    await registry.registerDevice({
      deviceId: device.deviceId,
      loungeId: LOUNGE,
      password: 'second',
    });
    await expect(session(device.deviceId, device.mqtt.password)).rejects.toThrow();
    expect((await session(device.deviceId, 'second')).connected).toBe(true);
    await registry.setDevicePassword(device.deviceId, 'third');
    expect((await session(device.deviceId, 'third')).connected).toBe(true);
  });

  it('decommission disconnects the device and refuses its next login', async () => {
    const device = await enrolAndRegister(LOUNGE);
    const open = await asDevice(device);
    const closed = closes(open, 5000);
    await registry.decommissionDevice(device.deviceId);
    expect(await closed).toBe(true);
    await expect(session(device.deviceId, device.mqtt.password)).rejects.toThrow();
    await registry.decommissionDevice(device.deviceId); // idempotent
    expect(registry.problem()).toBeNull();
  });
});

describe('session takeover (a box using the client id of another)', () => {
  it("refuses a box logging in under another box's client id, or its own under another", async () => {
    const victim = await connect(mosquitto.url, {
      username: here.deviceId,
      password: here.mqtt.password,
      clientId: here.deviceId,
      clean: false,
      properties: { sessionExpiryInterval: 600 },
      protocolVersion: 5,
    });
    clients.push(victim);
    await victim.subscribeAsync(TOPICS.loungeEntries(LOUNGE), { qos: 1 });
    let drops = 0;
    victim.on('close', () => drops++);
    for (let i = 0; i < 5; i++) {
      const attack = connect(mosquitto.url, {
        username: there.deviceId,
        password: there.mqtt.password,
        clientId: here.deviceId,
        clean: false,
        properties: { sessionExpiryInterval: 600 },
        protocolVersion: 5,
      });
      await expect(attack).rejects.toThrow(/not authorized|identifier/i);
      await new Promise((r) => setTimeout(r, 50));
    }
    await expect(
      session(here.deviceId, here.mqtt.password, `${here.deviceId}-doctor`),
    ).rejects.toThrow(/not authorized|identifier/i);
    expect(victim.connected).toBe(true);
    expect(drops).toBe(0);
    await victim.endAsync();
  });

  it('disconnects a box sending a packet over 64 KiB (shipped max_packet_size)', async () => {
    const device = await asDevice(there);
    const closed = closes(device, 5000);
    device.publish(TOPICS.deviceStatus(there.deviceId), Buffer.alloc(70_000), { qos: 0 });
    expect(await closed).toBe(true);
  });

  it('pins the client id of device logins created before the pin, at start', async () => {
    const old = await enrollDevice(cloud, LOUNGE);
    await mosquitto.dynsec(['createClient', old.deviceId, '-p', old.mqtt.password]);
    await mosquitto.dynsec(['addClientRole', old.deviceId, `lounge-${LOUNGE}`]);
    expect((await session(old.deviceId, old.mqtt.password, 'anything')).connected).toBe(true);
    await registry.start();
    expect(registry.problem()).toBeNull();
    expect(await mosquitto.dynsec(['getClient', old.deviceId])).toMatch(
      new RegExp(`Clientid:\\s+${old.deviceId}`),
    );
    await expect(session(old.deviceId, old.mqtt.password, 'anything-2')).rejects.toThrow();
    expect((await session(old.deviceId, old.mqtt.password)).connected).toBe(true);
  });
});

describe('shared subscription of cloud instances', () => {
  it('hands each entry event to exactly one of two instances', async () => {
    const received: { eventId: string }[][] = [[], []];
    const subscribers = await Promise.all(
      [0, 1].map(async (i) => {
        const client = await asCloud(`cloud-instance-${i}`);
        const sub = startSubscriber({
          client,
          store: cloud.store,
          recordEvents: async (_lounge, events) =>
            void received[i]!.push(...(events as { eventId: string }[])),
          recordStatus: (...args) => recordDeviceStatus(cloud.deps, ...args),
          log,
          shared: true,
        });
        await eventually(() => client.connected);
        return sub;
      }),
    );
    await new Promise((r) => setTimeout(r, 300)); // both SUBACKs in
    const device = await asDevice(here);
    const ids: string[] = [];
    for (let i = 0; i < 40; i++) {
      const eventId = newEventId();
      ids.push(eventId);
      const entry = {
        type: 'grant',
        eventId,
        deviceId: here.deviceId,
        gate: 'g',
        at: new Date().toISOString(),
        invitationId: 'inv_x',
        admit: 1,
        reason: 'OK',
      };
      await device.publishAsync(TOPICS.loungeEntries(LOUNGE), JSON.stringify(entry), { qos: 1 });
    }
    await eventually(() => received[0]!.length + received[1]!.length >= ids.length);
    await new Promise((r) => setTimeout(r, 300)); // no late duplicates
    const all = [...received[0]!, ...received[1]!].map((e) => e.eventId);
    expect(all.sort()).toEqual([...ids].sort());
    expect(received[0]!.length).toBeGreaterThan(0);
    expect(received[1]!.length).toBeGreaterThan(0);
    for (const s of subscribers) await s.stop();
  });
});
