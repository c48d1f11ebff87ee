import { createServer, type AddressInfo, type Server } from 'node:net';
import { Aedes, type AedesOptions, type Client } from 'aedes';
import {
  createConnectionGate,
  DEFAULT_GATE_LIMITS,
  type ConnectionGateLimits,
} from './connection-gate.ts';
import { GuardedSocket, type PacketTooLargeError } from './packet-guard.ts';

/** One CONNECT as the broker saw it (the address is the TCP peer's). */
export interface LoginAttempt {
  username: string | undefined;
  password: Buffer | undefined;
  clientId: string;
  address: string;
}

/**
 * `client-id`: a client id this login may not use (a device's must be its deviceId);
 * `throttled`: too many failures from that client id or address; `busy`: the password
 * hashing queue is full. Each maps to a CONNACK code below.
 */
export type LoginOutcome = 'ok' | 'refused' | 'client-id' | 'throttled' | 'busy';

/** MQTT 3.1.1 CONNACK return codes (section 3.2.2.3). */
const RETURN_CODES: Record<Exclude<LoginOutcome, 'ok'>, { code: number; message: string }> = {
  'client-id': { code: 2, message: 'identifier rejected' },
  throttled: { code: 3, message: 'server unavailable' },
  busy: { code: 3, message: 'server unavailable' },
  refused: { code: 4, message: 'bad username or password' },
};

/**
 * Login and ACL hooks of the embedded broker. Device logins (username = deviceId = client
 * id, password from enrolment) and per-device ACLs plug in here (SPEC.md section 6); without
 * hooks every client is allowed, which is what the demo needs today.
 */
export interface BrokerHooks {
  authenticate?: (attempt: LoginAttempt) => Promise<LoginOutcome>;
  authorizePublish?: (username: string | undefined, topic: string) => Promise<boolean>;
  authorizeSubscribe?: (username: string | undefined, topic: string) => Promise<boolean>;
}

/** Resource limits of the embedded broker (SPEC.md section 6). */
export interface BrokerLimits extends ConnectionGateLimits {
  /** Largest packet accepted, header included (default 64 KiB). */
  maxPacketBytes: number;
  /** Time from accept to a complete CONNECT packet (default 5 s). */
  connectTimeoutMs: number;
}

export const DEFAULT_BROKER_LIMITS: BrokerLimits = {
  ...DEFAULT_GATE_LIMITS,
  maxPacketBytes: 64 * 1024,
  connectTimeoutMs: 5_000,
};

/** A running embedded broker. */
export interface EmbeddedBroker {
  port: number;
  url: string;
  /** Closes every session logged in as `username` (a decommissioned device). */
  disconnect(username: string): void;
  /** Connections accepted that have not logged in yet. */
  pendingConnections(): number;
  close(): Promise<void>;
}

/**
 * Starts aedes on a TCP server (used when MQTT_URL is unset). Note: aedes speaks MQTT 3.1.1
 * only, so clients of the embedded broker connect with protocol version 4.
 */
export async function startEmbeddedBroker(opts: {
  host: string;
  port: number;
  hooks?: BrokerHooks;
  limits?: Partial<BrokerLimits>;
  /** Told about each connection cut for an oversized packet (logged by the caller). */
  onOversizedPacket?: (address: string, err: PacketTooLargeError) => void;
}): Promise<EmbeddedBroker> {
  const hooks = opts.hooks ?? {};
  const limits = { ...DEFAULT_BROKER_LIMITS, ...opts.limits };
  const options: AedesOptions = { connectTimeout: limits.connectTimeoutMs };
  const usernames = new WeakMap<object, string | undefined>();
  if (hooks.authenticate) {
    const check = hooks.authenticate;
    options.authenticate = (client, username, password, done) => {
      const address = (client.conn as Partial<GuardedSocket>).remoteAddress ?? 'unknown';
      check({ username, password, clientId: client.id, address }).then(
        (outcome) => {
          usernames.set(client, username);
          if (outcome === 'ok') return done(null, true);
          const { code, message } = RETURN_CODES[outcome];
          done(Object.assign(new Error(message), { returnCode: code }), false);
        },
        (err: Error) => done(Object.assign(err, { returnCode: 3 }), false),
      );
    };
  }
  if (hooks.authorizePublish) {
    const check = hooks.authorizePublish;
    options.authorizePublish = (client, packet, done) => {
      if (!client) return done(null);
      check(usernames.get(client), packet.topic).then(
        (ok) => done(ok ? null : new Error('not authorised')),
        (err: Error) => done(err),
      );
    };
  }
  if (hooks.authorizeSubscribe) {
    const check = hooks.authorizeSubscribe;
    options.authorizeSubscribe = (client, sub, done) => {
      check(usernames.get(client), sub.topic).then(
        // A null subscription answers SUBACK 0x80 and keeps the session (MQTT 3.1.1 3.9.3).
        (ok) => done(null, ok ? sub : null),
        (err: Error) => done(err, null),
      );
    };
  }
  const aedes = await Aedes.createBroker(options);
  const sessions = new Set<Client>();
  const gate = createConnectionGate(limits);
  const releases = new WeakMap<object, () => void>();
  aedes.on('clientReady', (client) => {
    sessions.add(client);
    releases.get(client.conn)?.();
  });
  aedes.on('clientDisconnect', (client) => sessions.delete(client));
  const server: Server = createServer((socket) => {
    const address = socket.remoteAddress ?? 'unknown';
    const release = gate.admit(address);
    // Over the cap of connections not logged in: closed before a byte is read.
    if (!release) return void socket.destroy();
    socket.once('close', release);
    const conn = new GuardedSocket(socket, limits.maxPacketBytes, (err) =>
      opts.onOversizedPacket?.(address, err),
    );
    conn.on('error', () => {}); // aedes listens too; a cut connection is not a crash
    releases.set(conn, release);
    aedes.handle(conn);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = opts.host === '0.0.0.0' || opts.host === '::' ? '127.0.0.1' : opts.host;
  return {
    port,
    url: `mqtt://${host}:${port}`,
    disconnect(username) {
      for (const client of sessions) if (usernames.get(client) === username) client.close();
    },
    pendingConnections: () => gate.pending(),
    async close() {
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
