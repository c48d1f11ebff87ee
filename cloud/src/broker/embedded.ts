import { createServer, type AddressInfo, type Server } from 'node:net';
import { Aedes, type AedesOptions, type Client } from 'aedes';

/**
 * Login and ACL hooks of the embedded broker. Device logins (username = deviceId, password
 * from enrolment) and per-device ACLs plug in here (SPEC.md section 6); without hooks every
 * client is allowed, which is what the demo needs today.
 */
export interface BrokerHooks {
  authenticate?: (username: string | undefined, password: Buffer | undefined) => Promise<boolean>;
  authorizePublish?: (username: string | undefined, topic: string) => Promise<boolean>;
  authorizeSubscribe?: (username: string | undefined, topic: string) => Promise<boolean>;
}

/** A running embedded broker. */
export interface EmbeddedBroker {
  port: number;
  url: string;
  /** Closes every session logged in as `username` (a decommissioned device). */
  disconnect(username: string): void;
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
}): Promise<EmbeddedBroker> {
  const hooks = opts.hooks ?? {};
  const options: AedesOptions = {};
  const usernames = new WeakMap<object, string | undefined>();
  if (hooks.authenticate) {
    const check = hooks.authenticate;
    options.authenticate = (client, username, password, done) => {
      check(username, password).then(
        (ok) => {
          usernames.set(client, username);
          if (ok) return done(null, true);
          done(Object.assign(new Error('bad username or password'), { returnCode: 4 }), false);
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
  aedes.on('clientReady', (client) => sessions.add(client));
  aedes.on('clientDisconnect', (client) => sessions.delete(client));
  const server: Server = createServer((socket) => aedes.handle(socket));
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
    async close() {
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
