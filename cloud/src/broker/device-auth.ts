import { createHash, timingSafeEqual } from 'node:crypto';
import { DEVICE_ID_RE, type Clock } from '@lounge/shared';
import type { Logger } from 'pino';
import { randomSecret, toBase64url, verifyPassword } from '../security/index.ts';
import type { CloudStore } from '../store/port.ts';
import { canPublish, canSubscribe, type BrokerLogin } from './acl.ts';
import type { MqttCredentialRegistry } from './dynsec.ts';
import type { BrokerHooks } from './embedded.ts';

/** A username/password pair the broker accepts as the cloud itself. */
export interface CloudLogin {
  username: string;
  password: string;
}

/**
 * The cloud's broker login: `MQTT_USERNAME`/`MQTT_PASSWORD` when set, otherwise a random one
 * made at start for the embedded broker's own publisher (it never leaves the process).
 */
export function cloudLogin(
  env: { username?: string | undefined; password?: string | undefined },
  random = randomSecret,
): CloudLogin {
  if (env.username && env.password) return { username: env.username, password: env.password };
  return { username: 'lounge-cloud-internal', password: toBase64url(random(32)) };
}

export interface DeviceAuthOptions {
  store: Pick<CloudStore, 'findDevice'>;
  cloud: CloudLogin[];
  clock: Clock;
  log: Logger;
  /** How long a verified device login is trusted without a store read (default 30 s). */
  cacheMs?: number;
  verify?: (password: string, hash: string) => Promise<boolean>;
}

type Cached = { login: BrokerLogin & { kind: 'device' }; digest: Buffer | null; until: number };

const digestOf = (text: string): Buffer => createHash('sha256').update(text).digest();
const sameDigest = (a: Buffer, b: Buffer): boolean => timingSafeEqual(a, b);

/**
 * Broker logins of the embedded broker (SPEC.md section 6): devices by username = deviceId
 * and their enrolment password (scrypt, checked against the store), the cloud by its own
 * login. Verified logins are cached briefly so a fleet reconnecting does not cost one scrypt
 * per publish; `forget` drops a device at once (decommission, new password).
 */
export function createDeviceAuth(o: DeviceAuthOptions) {
  const cacheMs = o.cacheMs ?? 30_000;
  const verify = o.verify ?? verifyPassword;
  const clouds = o.cloud.map((c) => ({ username: c.username, digest: digestOf(c.password) }));
  const cache = new Map<string, Cached>();

  /** The device behind a username, from the cache or the store; null if unknown or retired. */
  async function deviceLogin(username: string): Promise<Cached | null> {
    const hit = cache.get(username);
    if (hit && hit.until > o.clock.now()) return hit;
    if (!DEVICE_ID_RE.test(username)) return null;
    const device = await o.store.findDevice(username);
    if (!device || device.decommissionedAt !== null) {
      cache.delete(username);
      return null;
    }
    const entry: Cached = {
      login: { kind: 'device', deviceId: device.deviceId, loungeId: device.loungeId },
      digest: hit?.digest ?? null,
      until: o.clock.now() + cacheMs,
    };
    cache.set(username, entry);
    return entry;
  }

  async function loginOf(username: string | undefined): Promise<BrokerLogin | null> {
    if (username === undefined) return null;
    if (clouds.some((c) => c.username === username)) return { kind: 'cloud' };
    return (await deviceLogin(username))?.login ?? null;
  }

  async function authenticate(username: string | undefined, password: Buffer | undefined) {
    if (!username || !password) return false;
    const text = password.toString('utf8');
    const digest = digestOf(text);
    const cloud = clouds.find((c) => c.username === username);
    if (cloud) return sameDigest(cloud.digest, digest);
    const entry = await deviceLogin(username);
    if (!entry) {
      o.log.info({ username }, 'broker login refused: unknown or decommissioned device');
      return false;
    }
    if (entry.digest && sameDigest(entry.digest, digest)) return true;
    const device = await o.store.findDevice(username);
    const ok = !!device && (await verify(text, device.mqttPasswordHash));
    if (ok) entry.digest = digest;
    else o.log.info({ username }, 'broker login refused: wrong password');
    return ok;
  }

  const hooks: BrokerHooks = {
    authenticate,
    async authorizePublish(username, topic) {
      const login = await loginOf(username);
      return !!login && canPublish(login, topic);
    },
    async authorizeSubscribe(username, topic) {
      const login = await loginOf(username);
      return !!login && canSubscribe(login, topic);
    },
  };

  return {
    hooks,
    authenticate,
    /** Drops a device's cached login: the next connect or publish reads the store. */
    forget(deviceId: string): void {
      cache.delete(deviceId);
    },
  };
}

export type DeviceAuth = ReturnType<typeof createDeviceAuth>;

/**
 * The embedded broker's registry: logins come from the store, so enrolment has nothing to
 * register; a decommission (or new password) forgets the cached login and disconnects every
 * session of that device (`kick`, by username).
 */
export function createEmbeddedRegistry(
  auth: Pick<DeviceAuth, 'forget'>,
  kick: (username: string) => void,
): MqttCredentialRegistry {
  return {
    async start() {},
    async registerDevice(c) {
      auth.forget(c.deviceId);
    },
    async setDevicePassword(deviceId) {
      auth.forget(deviceId);
      kick(deviceId);
    },
    async decommissionDevice(deviceId) {
      auth.forget(deviceId);
      kick(deviceId);
    },
    problem: () => null,
    async stop() {},
  };
}
