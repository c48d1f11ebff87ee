import { connect, connectAsync, type MqttClient } from 'mqtt';
import pg from 'pg';
import QRCode from 'qrcode';
import { SerialPort } from 'serialport';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { startMosquitto } from '@lounge/test-helpers/mosquitto';
import { startPostgres, type PostgresCluster } from '@lounge/test-helpers/postgres';
import { openPtyPair } from '@lounge/test-helpers/pty';
import { decodeQr } from '@lounge/test-helpers/zbar';

// Each harness proven against the real service, so the other system tests can trust them.

async function query(url: string, sql: string): Promise<unknown[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
}

async function mqttClient(url: string, opts: Record<string, unknown> = {}): Promise<MqttClient> {
  const client = await connectAsync(url, { protocolVersion: 5, reconnectPeriod: 0, ...opts });
  onTestFinished(() => client.endAsync());
  return client;
}

describe('startPostgres', () => {
  let cluster: PostgresCluster;
  beforeAll(async () => {
    cluster = await startPostgres();
  });
  afterAll(() => cluster?.stop());

  it('runs a private cluster that keeps its data across a restart', async () => {
    expect(cluster.port).not.toBe(5432);
    const url = await cluster.createDatabase('harness');
    await query(url, 'CREATE TABLE t (v text); INSERT INTO t VALUES ($$kept$$)');
    await cluster.restart({
      whileDown: () => expect(query(url, 'SELECT 1')).rejects.toThrow(/ECONNREFUSED/),
    });
    expect(await query(url, 'SELECT v FROM t')).toEqual([{ v: 'kept' }]);
    expect(await query(cluster.url, 'SELECT current_user AS u')).toEqual([{ u: 'postgres' }]);
  });

  it('refuses connections while down and removes its files on stop', async () => {
    const other = await startPostgres();
    await other.stop();
    await expect(query(other.url, 'SELECT 1')).rejects.toThrow(/ECONNREFUSED/);
    expect(existsSync(other.dataDir)).toBe(false);
  });
});

describe('startMosquitto', () => {
  it('delivers a QoS 1 message between two MQTT 5 clients', async () => {
    const broker = await startMosquitto();
    onTestFinished(() => broker.stop());
    expect(broker.port).not.toBe(1883);
    const sub = await mqttClient(broker.url, { clientId: 'sub' });
    const pub = await mqttClient(broker.url, { clientId: 'pub' });
    await sub.subscribeAsync('harness/q', { qos: 1 });
    const got = new Promise<[string, number]>((resolve) =>
      sub.on('message', (topic, payload, packet) => resolve([payload.toString(), packet.qos])),
    );
    await pub.publishAsync('harness/q', 'hello', { qos: 1 });
    expect(await got).toEqual(['hello', 1]);
  });

  it('queues a QoS 1 burst of 2,000 for an offline session (over the default 1,000)', async () => {
    const broker = await startMosquitto();
    onTestFinished(() => broker.stop());
    const session = { clientId: 'edge-1', clean: false, properties: { sessionExpiryInterval: 60 } };
    const edge = await mqttClient(broker.url, session);
    await edge.subscribeAsync('harness/burst', { qos: 1 });
    await edge.endAsync();
    const pub = await mqttClient(broker.url);
    await Promise.all(
      Array.from({ length: 2_000 }, (_, i) =>
        pub.publishAsync('harness/burst', `${i}`, { qos: 1 }),
      ),
    );
    // Listen before CONNACK: the broker sends the queue right after it, before connectAsync
    // resolves, and a message with no listener yet is acked and lost.
    const back = connect(broker.url, { protocolVersion: 5, reconnectPeriod: 0, ...session });
    onTestFinished(() => back.endAsync());
    const seen = new Set<string>();
    back.on('message', (_t, payload) => seen.add(payload.toString()));
    await expect.poll(() => seen.size, { timeout: 15_000 }).toBe(2_000);
  });

  it('keeps retained messages across a restart, and loses them with clean', async () => {
    const broker = await startMosquitto({ persistence: true });
    onTestFinished(() => broker.stop());
    const pub = await mqttClient(broker.url);
    await pub.publishAsync('harness/head', '{"seq":7}', { qos: 1, retain: true });
    await pub.endAsync();
    const retained = async () => {
      const c = await mqttClient(broker.url);
      const got = new Promise<string>((resolve) =>
        c.on('message', (_t, payload) => resolve(payload.toString())),
      );
      await c.subscribeAsync('harness/head', { qos: 1 });
      const none = new Promise<string>((r) => setTimeout(() => r('none'), 300));
      const value = await Promise.race([got, none]);
      await c.endAsync();
      return value;
    };
    await broker.restart();
    expect(await retained()).toBe('{"seq":7}');
    await broker.restart({ clean: true });
    expect(await retained()).toBe('none');
  });

  it('with dynsec, refuses anonymous logins; the admin creates logins with ACLs', async () => {
    const broker = await startMosquitto({
      dynsec: { adminUser: 'admin', adminPassword: 's3cret' },
    });
    onTestFinished(() => broker.stop());
    await expect(mqttClient(broker.url)).rejects.toThrow(/authori[sz]ed|Bad User Name/i);
    const admin = await mqttClient(broker.url, { username: 'admin', password: 's3cret' });
    // The admin may administer the plugin; a client it creates can then log in and publish.
    await broker.dynsec(['createRole', 'cloud']);
    await broker.dynsec(['addRoleACL', 'cloud', 'publishClientSend', 'lounge/#', 'allow']);
    await broker.dynsec(['createClient', 'cloud', '-p', 'cloud-pw']);
    await broker.dynsec(['addClientRole', 'cloud', 'cloud']);
    expect(await broker.dynsec(['listClients'])).toMatch(/admin[\s\S]*cloud|cloud[\s\S]*admin/);
    const cloud = await mqttClient(broker.url, { username: 'cloud', password: 'cloud-pw' });
    const got = new Promise<string>((resolve) =>
      admin.on('message', (topic, payload) => resolve(`${topic} ${payload.toString()}`)),
    );
    await admin.subscribeAsync('lounge/#', { qos: 1 });
    await cloud.publishAsync('lounge/v1/keys', 'k', { qos: 1 });
    expect(await got).toBe('lounge/v1/keys k');
    // `dynsec init` gives the admin no right to publish outside the plugin's topics.
    await expect(admin.publishAsync('lounge/v1/keys', 'x', { qos: 1 })).rejects.toThrow(/authori/i);
    await expect(
      mqttClient(broker.url, { username: 'cloud', password: 'wrong' }),
    ).rejects.toThrow();
  });

  it('refuses to start on a port that is taken, saying why', async () => {
    const first = await startMosquitto();
    onTestFinished(() => first.stop());
    await expect(startMosquitto({ port: first.port })).rejects.toThrow(/Address already in use/);
  });

  it('comes back on the same port after kill -9', async () => {
    const broker = await startMosquitto();
    onTestFinished(() => broker.stop());
    broker.kill();
    await broker.restart({
      whileDown: () =>
        expect(connectAsync(broker.url, { reconnectPeriod: 0 })).rejects.toThrow(/ECONNREFUSED/),
    });
    await mqttClient(broker.url);
  });
});

describe('openPtyPair', () => {
  it('carries bytes both ways and replugs at the same paths', async () => {
    const pair = await openPtyPair();
    onTestFinished(() => pair.kill());
    const open = async () => {
      const port = new SerialPort({ path: pair.devicePath, baudRate: 9600, autoOpen: false });
      await new Promise<void>((ok, ko) => port.open((e) => (e ? ko(e) : ok())));
      port.on('error', () => undefined);
      return port;
    };
    const readFrom = (port: SerialPort, text: string) =>
      new Promise<void>((resolve) => {
        let seen = '';
        port.on('data', (c: Buffer) => (seen += c.toString()).includes(text) && resolve());
      });

    const device = await open();
    const got = readFrom(device, 'INV123\r');
    await pair.write('INV123\r');
    await got;
    device.write('ack\n');
    await pair.waitForReceived('ack\n');

    const closed = new Promise((resolve) => device.on('close', resolve));
    await pair.kill();
    await closed; // the driver sees the unplug
    expect(existsSync(pair.devicePath)).toBe(false);

    await pair.restart();
    const again = await open();
    onTestFinished(() => new Promise<void>((r) => (again.isOpen ? again.close(() => r()) : r())));
    const got2 = readFrom(again, 'second');
    await pair.write(new TextEncoder().encode('second'));
    await got2;
  });
});

describe('decodeQr', () => {
  it('reads back a QR made by the qrcode package', async () => {
    const text = `eyJhbGciOiJFZERTQSJ9.${'x'.repeat(200)}.sig-${Date.now()}`;
    const png = await QRCode.toBuffer(text, { errorCorrectionLevel: 'M' });
    expect(await decodeQr(png)).toBe(text);
  });

  it('throws when the image holds no code', async () => {
    await expect(decodeQr(new TextEncoder().encode('not a png'))).rejects.toThrow(/zbarimg/);
  });
});
