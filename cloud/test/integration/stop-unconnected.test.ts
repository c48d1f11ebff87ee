import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnProcess } from '@lounge/test-helpers/process';
import { freePort } from '@lounge/test-helpers/ports';
import { startEmbeddedBroker } from '../../src/broker/embedded.ts';
import { connectMqtt, createMqttPublisher } from '../../src/broker/mqtt-publisher.ts';

const BIN = join(import.meta.dirname, '../../bin/lounge-cloud.js');
const log = pino({ level: 'silent' });

let dir: string;
let silent: Server;
const sockets = new Set<Socket>();

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cloud-stop-'));
  // A "broker" that accepts the TCP connection and never answers CONNECT: stuck connecting.
  silent = createServer((socket) => {
    sockets.add(socket);
    socket.resume(); // read (and drop) the CONNECT, so the client's FIN is seen
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
});
afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise((resolve) => silent.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

/** Resolves with how long `promise` took, or rejects once it takes over `ms`. */
async function within(ms: number, promise: Promise<unknown>): Promise<number> {
  const start = Date.now();
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`still waiting after ${ms} ms`)), ms);
  });
  try {
    await Promise.race([promise, late]);
    return Date.now() - start;
  } finally {
    clearTimeout(timer);
  }
}

const client = (url: string, protocolVersion: 4 | 5 = 5) =>
  connectMqtt({ url, protocolVersion, clientId: `stop-test-${Math.random()}`, log });

describe('the MQTT publisher closes in every state', () => {
  it('connecting (no CONNACK yet): closes its socket, so the broker side sees it go', async () => {
    const { port } = silent.address() as { port: number };
    const mqttClient = client(`mqtt://127.0.0.1:${port}`);
    const gone = new Promise<void>((resolve) =>
      silent.once('connection', (socket: Socket) => {
        socket.once('close', () => resolve());
      }),
    );
    await new Promise<void>((resolve) => mqttClient.stream.once('connect', () => resolve()));
    await within(1000, createMqttPublisher(mqttClient).close());
    await within(1000, gone);
    expect(mqttClient.connected).toBe(false);
  });

  it('reconnecting (nothing listens): closes at once and stops reconnecting', async () => {
    const mqttClient = client(`mqtt://127.0.0.1:${await freePort()}`);
    await new Promise<void>((resolve) => mqttClient.once('offline', () => resolve()));
    await within(1000, createMqttPublisher(mqttClient).close());
    let reconnects = 0;
    mqttClient.on('reconnect', () => reconnects++);
    await new Promise((resolve) => setTimeout(resolve, 1300)); // past reconnectPeriod
    expect(reconnects).toBe(0);
  });

  it('connecting to the embedded broker: its close() does not wait for the cloud', async () => {
    const broker = await startEmbeddedBroker({ host: '127.0.0.1', port: 0 });
    const mqttClient = client(broker.url, 4);
    await new Promise<void>((resolve) => mqttClient.stream.once('connect', () => resolve()));
    await within(1000, createMqttPublisher(mqttClient).close());
    await within(2000, broker.close());
  });

  it('connected: a clean DISCONNECT, then the embedded broker closes', async () => {
    const broker = await startEmbeddedBroker({ host: '127.0.0.1', port: 0 });
    const mqttClient = client(broker.url, 4);
    await new Promise<void>((resolve) => mqttClient.once('connect', () => resolve()));
    await within(1500, createMqttPublisher(mqttClient).close());
    await within(2000, broker.close());
  });
});

/** Starts `lounge-cloud serve` and SIGTERMs it as soon as it says it is listening. */
async function stopOnceListening(name: string, env: Record<string, string>) {
  const proc = await spawnProcess('node', [BIN, 'serve'], {
    env: {
      ...process.env,
      HOST: '127.0.0.1',
      PORT: '0',
      INTEGRATIONS: 'stub',
      DATABASE_URL: `sqlite:${join(dir, `${name}.db`)}`,
      KEY_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64'),
      LOG_LEVEL: 'info',
      ...env,
    },
    readyLine: /lounge-cloud listening/,
    timeoutMs: 60_000,
  });
  const sent = Date.now();
  const code = await proc.kill('SIGTERM');
  return { code, stopMs: Date.now() - sent, output: proc.stdoutLines.join('\n') };
}

// A process start (node + tsx) each: generous on a loaded 2-core machine.
describe(
  'lounge-cloud serve stops on SIGTERM before its MQTT client connected',
  {
    timeout: 60_000,
  },
  () => {
    it('embedded broker, client still connecting: exits 0 within 3 s', async () => {
      const stop = await stopOnceListening('embedded', { MQTT_PORT: '0' });
      expect(stop.code, stop.output).toBe(0);
      expect(stop.stopMs, stop.output).toBeLessThan(3_000);
    });

    it('MQTT_URL where nothing listens (reconnecting): exits 0 within 3 s', async () => {
      const stop = await stopOnceListening('refused', {
        MQTT_URL: `mqtt://127.0.0.1:${await freePort()}`,
        MQTT_USERNAME: 'lounge-cloud',
        MQTT_PASSWORD: 'secret',
      });
      expect(stop.code, stop.output).toBe(0);
      expect(stop.stopMs, stop.output).toBeLessThan(3_000);
    });
  },
);
