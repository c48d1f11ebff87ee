import { createHash, timingSafeEqual } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { DEVICE_ID_RE, type Clock } from '@lounge/shared';
import type { Logger } from 'pino';
import {
  createBoundedWork,
  createFailureLimiter,
  randomSecret,
  toBase64url,
  verifyPassword,
  WorkQueueFullError,
  type BoundedWork,
  type FailureLimiter,
} from '../security/index.ts';
import type { CloudStore } from '../store/port.ts';
import { canPublish, canSubscribe, type BrokerLogin } from './acl.ts';
import type { MqttCredentialRegistry } from './dynsec.ts';
import type { BrokerHooks, LoginAttempt, LoginOutcome } from './embedded.ts';

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
  /** Failed logins per client id and per address (defaults: 5 then 1/5 s, and 20 then 1/s). */
  throttle?: { perClientId: FailureLimiter; perAddress: FailureLimiter };
  /** Where password hashes are checked (default: half the cores at once, 64 waiting). */
  hashing?: BoundedWork;
}

type Cached = { login: BrokerLogin & { kind: 'device' }; digest: Buffer | null; until: number };

const digestOf = (text: string): Buffer => createHash('sha256').update(text).digest();
const sameDigest = (a: Buffer, b: Buffer): boolean => timingSafeEqual(a, b);

/** The default throttles of broker logins (SPEC.md section 6). */
export function defaultLoginThrottle(clock: Clock) {
  const now = () => clock.now();
  return {
    perClientId: createFailureLimiter({ burst: 5, perSecond: 0.2, now }),
    perAddress: createFailureLimiter({ burst: 20, perSecond: 1, now }),
  };
}

/**
 * Broker logins of the embedded broker (SPEC.md section 6): devices by username = deviceId =
 * client id and their enrolment password (scrypt, checked against the store), the cloud by
 * its own login. Verified logins are cached briefly so a fleet reconnecting does not cost one
 * scrypt per publish; `forget` drops a device at once (decommission, new password).
 *
 * Failed logins are throttled per client id and per address before any store read or hash;
 * a password matching the last one verified for that device passes first, so a flood aimed
 * at a box's id does not lock the box itself out. A burst of failures logs two lines per
 * key (the first failure, the throttle tripping), not one per attempt.
 */
export function createDeviceAuth(o: DeviceAuthOptions) {
  const cacheMs = o.cacheMs ?? 30_000;
  const verify = o.verify ?? verifyPassword;
  const throttle = o.throttle ?? defaultLoginThrottle(o.clock);
  const hashing =
    o.hashing ??
    createBoundedWork({ concurrency: Math.max(1, availableParallelism() >> 1), maxQueued: 64 });
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

  /** Counts a failure against the client id and the address (before hashing: up front). */
  const charge = (a: LoginAttempt) => ({
    byId: throttle.perClientId.fail(`id:${a.clientId}`),
    byAddress: throttle.perAddress.fail(`address:${a.address}`),
  });
  const forgive = (a: LoginAttempt) => {
    throttle.perClientId.forgive(`id:${a.clientId}`);
    throttle.perAddress.forgive(`address:${a.address}`);
  };

  /** Logs a burst of failures once: its first failure, and the throttle tripping. */
  function report(a: LoginAttempt, c: ReturnType<typeof charge>, why: string): void {
    const who = { username: a.username, clientId: a.clientId, address: a.address };
    if (c.byId === 'tripped' || c.byAddress === 'tripped') {
      const by = c.byId === 'tripped' ? 'client id' : 'address';
      o.log.warn(who, `broker logins failing repeatedly: throttled by ${by}, no more logged`);
    } else if (c.byId === 'first' || c.byAddress === 'first') {
      o.log.info(who, `broker login refused: ${why}`);
    }
  }

  function failed(a: LoginAttempt, outcome: LoginOutcome, why: string): LoginOutcome {
    report(a, charge(a), why);
    return outcome;
  }

  const throttled = (a: LoginAttempt): boolean =>
    throttle.perClientId.retryAfterMs(`id:${a.clientId}`) > 0 ||
    throttle.perAddress.retryAfterMs(`address:${a.address}`) > 0;

  async function authenticate(a: LoginAttempt): Promise<LoginOutcome> {
    const { username, password } = a;
    const digest = password ? digestOf(password.toString('utf8')) : null;
    const cloud = clouds.find((c) => c.username === username);
    // The last password verified for this box lets it in without a hash, throttled or not.
    const known = username === undefined ? undefined : cache.get(username)?.digest;
    const remembered = !!known && !!digest && sameDigest(known, digest);
    if (throttled(a) && !remembered) return 'throttled';
    if (!username || !password || !digest) return failed(a, 'refused', 'no username/password');
    if (cloud) {
      // A cloud instance never takes a device's id: that would end the box's session.
      if (DEVICE_ID_RE.test(a.clientId)) return failed(a, 'client-id', 'device id as cloud id');
      return sameDigest(cloud.digest, digest) ? 'ok' : failed(a, 'refused', 'wrong password');
    }
    // Client id = deviceId (SPEC.md section 6): no box can take over another's session.
    if (a.clientId !== username) return failed(a, 'client-id', 'client id is not the username');
    const entry = await deviceLogin(username);
    if (!entry) return failed(a, 'refused', 'unknown or decommissioned device');
    if (entry.digest && sameDigest(entry.digest, digest)) return 'ok';
    const device = await o.store.findDevice(username);
    if (!device) return failed(a, 'refused', 'unknown or decommissioned device');
    // Checked again and charged before hashing, in one step: parallel guesses that all passed
    // the first check (before the store reads) cannot all reach scrypt.
    if (throttled(a)) return 'throttled';
    const charged = charge(a);
    let ok: boolean;
    try {
      ok = await hashing.run(() => verify(password.toString('utf8'), device.mqttPasswordHash));
    } catch (err) {
      forgive(a);
      if (err instanceof WorkQueueFullError) return 'busy';
      throw err;
    }
    if (!ok) {
      report(a, charged, 'wrong password');
      return 'refused';
    }
    forgive(a);
    entry.digest = digest;
    return 'ok';
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
