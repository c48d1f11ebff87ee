import { randomUUID } from 'node:crypto';
import {
  backgroundTimers,
  DEVICE_ID_RE,
  every,
  retry,
  TOPICS,
  type RetryOptions,
} from '@lounge/shared';
import type { MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import { devicePublishTopics, deviceSubscribeTopics } from './acl.ts';

/** A device's broker login, as handed out at enrolment (SPEC.md section 5). */
export interface DeviceCredential {
  deviceId: string;
  loungeId: string;
  password: string;
}

/**
 * Where device broker logins live. The embedded broker reads the store, so its adapter only
 * kicks; with mosquitto (`MQTT_DYNSEC=1`) the dynsec adapter mirrors every change.
 */
export interface MqttCredentialRegistry {
  /** Prepares the broker (the cloud's own role); called once at start. */
  start(): Promise<void>;
  /** Creates (or refreshes) a device login; throws when the broker cannot be told. */
  registerDevice(credential: DeviceCredential): Promise<void>;
  /** Replaces a device's password (re-credential). */
  setDevicePassword(deviceId: string, password: string): Promise<void>;
  /**
   * Refuses the login from now on and disconnects it; idempotent. Throws when the broker
   * cannot be told: decommissions go through the outbox (`broker` lane), which retries.
   */
  decommissionDevice(deviceId: string): Promise<void>;
  /** Why the broker's logins may be out of date (for `/readyz`), or null when all is applied. */
  problem(): string | null;
  stop(): Promise<void>;
}

export const DYNSEC_TOPIC = '$CONTROL/dynamic-security/v1';
export const DYNSEC_RESPONSE_TOPIC = `${DYNSEC_TOPIC}/response`;
/** The shared-subscription group of cloud instances (subscriber.ts). */
export const CLOUD_SHARE_GROUP = 'lounge-cloud';

export type DynsecCommand = { command: string } & Record<string, unknown>;
type DynsecResponse = { command: string; error?: string; data?: unknown; correlationData?: string };

/** A failed dynsec command, with mosquitto's error text (`Client not found`, …). */
export class DynsecError extends Error {
  constructor(
    readonly command: string,
    readonly reason: string,
  ) {
    super(`dynsec ${command}: ${reason}`);
  }
}

export const loungeRole = (loungeId: string): string => `lounge-${loungeId}`;
export const deviceRole = (deviceId: string): string => `device-${deviceId}`;
export const CLOUD_ROLE = 'lounge-cloud';

const allow = (acltype: string, topic: string) => ({ acltype, topic, allow: true });

/**
 * The role of a lounge: exact-topic subscriptions (`subscribeLiteral`, so `+`/`#` and
 * `$share/…` filters match nothing) and publishing to the lounge's entries. mosquitto 2.0's
 * dynsec has no `%u` substitution, so each device's status topic is in a role of its own.
 */
export function loungeAcls(loungeId: string) {
  return [
    ...deviceSubscribeTopics({ loungeId }).map((t) => allow('subscribeLiteral', t)),
    allow('publishClientSend', TOPICS.loungeEntries(loungeId)),
  ];
}

/** The per-device role: only its own status topic (retained, and its last will). */
export function deviceAcls(c: { deviceId: string; loungeId: string }) {
  const status = devicePublishTopics(c).filter((t) => t !== TOPICS.loungeEntries(c.loungeId));
  return status.map((t) => allow('publishClientSend', t));
}

/** What the cloud's login needs beyond the dynsec admin role `mosquitto_ctrl dynsec init` makes. */
export const CLOUD_ACLS = [
  allow('publishClientSend', 'lounge/#'),
  allow('subscribePattern', 'lounge/#'),
  allow('subscribePattern', `$share/${CLOUD_SHARE_GROUP}/lounge/#`),
];

/** Sends dynsec commands over MQTT, one batch at a time, matching replies by correlation. */
export function createDynsecControl(client: MqttClient, opts: { timeoutMs?: number } = {}) {
  const timeoutMs = opts.timeoutMs ?? 5000;
  const pending = new Map<string, (r: DynsecResponse[]) => void>();
  let subscribed: Promise<void> | null = null;
  const onMessage = (topic: string, payload: Buffer) => {
    if (topic !== DYNSEC_RESPONSE_TOPIC) return;
    try {
      const { responses } = JSON.parse(payload.toString('utf8')) as { responses: DynsecResponse[] };
      const id = responses[0]?.correlationData?.split(':')[0];
      if (id) pending.get(id)?.(responses);
    } catch {
      // Not ours or not JSON: another admin's reply on the same topic.
    }
  };
  client.on('message', onMessage);
  client.on('connect', () => (subscribed = null));
  const subscribe = () =>
    (subscribed ??= client.subscribeAsync(DYNSEC_RESPONSE_TOPIC, { qos: 1 }).then(
      () => undefined,
      (err: unknown) => {
        subscribed = null;
        throw err;
      },
    ));
  return {
    /** Runs the commands; resolves with one response per command (errors included). */
    async send(commands: DynsecCommand[]): Promise<DynsecResponse[]> {
      if (!client.connected) throw new Error('MQTT broker not connected');
      await subscribe();
      const id = randomUUID();
      const tagged = commands.map((c, i) => ({ ...c, correlationData: `${id}:${i}` }));
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(new Error(`dynsec: no reply within ${timeoutMs} ms`));
        }, timeoutMs);
        pending.set(id, (responses) => {
          clearTimeout(timer);
          pending.delete(id);
          resolve(responses);
        });
        client.publish(DYNSEC_TOPIC, JSON.stringify({ commands: tagged }), { qos: 1 }, (err) => {
          if (!err) return;
          clearTimeout(timer);
          pending.delete(id);
          reject(err);
        });
      });
    },
    close: () => void client.off('message', onMessage),
  };
}

export type DynsecControl = ReturnType<typeof createDynsecControl>;

/** Runs commands; errors whose text matches `tolerate` count as done (idempotent calls). */
export async function runDynsec(
  control: Pick<DynsecControl, 'send'>,
  commands: DynsecCommand[],
  tolerate: RegExp = /$^/,
): Promise<DynsecResponse[]> {
  const responses = await control.send(commands);
  for (const r of responses) {
    if (r.error && !tolerate.test(r.error)) throw new DynsecError(r.command, r.error);
  }
  return responses;
}

/** Whether a `getClient` reply lists the role. */
function hasRole(data: unknown, rolename: string): boolean {
  const roles = (data as { client?: { roles?: { rolename?: string }[] } } | undefined)?.client
    ?.roles;
  return Array.isArray(roles) && roles.some((r) => r.rolename === rolename);
}

/** Options of {@link createDynsecRegistry}. */
export interface DynsecRegistryOptions {
  control: Pick<DynsecControl, 'send'>;
  /** The cloud's own login (a dynsec admin): it gets the `lounge-cloud` role at start. */
  cloudUsername: string;
  log: Logger;
  retry?: Partial<RetryOptions>;
  /** How often failed background work (the cloud's role at start) is tried again. */
  reconcileEveryMs?: number;
  schedule?: (fn: () => void, ms: number) => () => void;
}

const everyMs = (fn: () => void, ms: number) => every(backgroundTimers, fn, ms);

/**
 * The dynsec adapter (`MQTT_DYNSEC=1`): one role per lounge, one per device (its status
 * topic), one client per device. Every step is idempotent and retried; what still fails is
 * logged at error level, shown by `problem()` and tried again every `reconcileEveryMs`.
 */
export function createDynsecRegistry(o: DynsecRegistryOptions): MqttCredentialRegistry {
  const { control, log } = o;
  const failures = new Map<string, { what: string; run: () => Promise<void>; error: string }>();
  const ensured = new Set<string>();
  const attempt = <T>(what: string, fn: () => Promise<T>) =>
    retry(fn, {
      retries: 4,
      baseMs: 200,
      maxMs: 3000,
      ...o.retry,
      onRetry: ({ error, delayMs }) =>
        log.warn({ err: String(error), delayMs }, `dynsec: ${what} failed, retrying`),
    });

  async function ensureRole(rolename: string, acls: object[]): Promise<void> {
    if (ensured.has(rolename)) return;
    const [created] = await runDynsec(
      control,
      [{ command: 'createRole', rolename, acls }],
      /already exists/,
    );
    // An existing role gets today's ACLs (modifyRole replaces the list).
    if (created?.error) await runDynsec(control, [{ command: 'modifyRole', rolename, acls }]);
    ensured.add(rolename);
  }

  /** Device logins registered before client ids were pinned get theirs (once, at start). */
  async function pinDeviceClientIds(): Promise<void> {
    const [listed] = await runDynsec(control, [{ command: 'listClients', verbose: true }]);
    const clients =
      (listed?.data as { clients?: { username?: string; clientid?: string }[] } | undefined)
        ?.clients ?? [];
    const unpinned = clients
      .map((c) => c.username ?? '')
      .filter((u) => DEVICE_ID_RE.test(u) && !clients.some((c) => c.username === u && c.clientid));
    if (unpinned.length === 0) return;
    log.warn({ count: unpinned.length }, 'dynsec: pinning the client id of older device logins');
    await runDynsec(
      control,
      unpinned.map((username) => ({ command: 'setClientId', username, clientid: username })),
    );
  }

  /** Background work: failures are kept and retried until they succeed. */
  async function background(key: string, what: string, run: () => Promise<void>) {
    try {
      await attempt(what, run);
      failures.delete(key);
    } catch (err) {
      log.error({ err: String(err), key }, `dynsec: ${what} failed; broker logins out of date`);
      failures.set(key, { what, run, error: `${what}: ${String(err)}` });
    }
  }

  const reconcile = async () => {
    for (const [key, { what, run }] of [...failures]) await background(key, what, run);
  };
  const cancel = (o.schedule ?? everyMs)(() => void reconcile(), o.reconcileEveryMs ?? 30_000);

  return {
    async start() {
      await background('cloud-role', 'granting the cloud its role', async () => {
        ensured.delete(CLOUD_ROLE);
        await ensureRole(CLOUD_ROLE, CLOUD_ACLS);
        // mosquitto kicks a client whose roles change, so only add the role when missing.
        const [got] = await runDynsec(control, [
          { command: 'getClient', username: o.cloudUsername },
        ]);
        await pinDeviceClientIds();
        if (hasRole(got?.data, CLOUD_ROLE)) return;
        log.warn('dynsec: granting the cloud login its role; the broker reconnects it once');
        await runDynsec(
          control,
          [{ command: 'addClientRole', username: o.cloudUsername, rolename: CLOUD_ROLE }],
          /already/i,
        );
      });
    },
    async registerDevice(c) {
      await attempt(`registering ${c.deviceId}`, async () => {
        await ensureRole(loungeRole(c.loungeId), loungeAcls(c.loungeId));
        ensured.delete(deviceRole(c.deviceId));
        await ensureRole(deviceRole(c.deviceId), deviceAcls(c));
        const roles = [{ rolename: loungeRole(c.loungeId) }, { rolename: deviceRole(c.deviceId) }];
        // The record pins the client id: a login with any other id is refused, so no box can
        // take over another's session (SPEC.md section 6).
        const login = { username: c.deviceId, clientid: c.deviceId, password: c.password, roles };
        const [created] = await runDynsec(
          control,
          [{ command: 'createClient', ...login }],
          /already exists/,
        );
        if (created?.error) {
          await runDynsec(control, [
            { command: 'modifyClient', ...login },
            { command: 'enableClient', username: c.deviceId },
          ]);
        }
      });
      log.info({ deviceId: c.deviceId, loungeId: c.loungeId }, 'dynsec: device login created');
    },
    async setDevicePassword(deviceId, password) {
      await attempt(`setting the password of ${deviceId}`, () =>
        runDynsec(control, [{ command: 'setClientPassword', username: deviceId, password }]),
      );
    },
    async decommissionDevice(deviceId) {
      // disableClient also kicks a connected session; then the login and its role go. What
      // still fails throws: the outbox `broker` lane keeps the row and any instance retries.
      await attempt(`decommissioning ${deviceId}`, () =>
        runDynsec(
          control,
          [
            { command: 'disableClient', username: deviceId },
            { command: 'deleteClient', username: deviceId },
            { command: 'deleteRole', rolename: deviceRole(deviceId) },
          ],
          /not found/i,
        ),
      );
      log.info({ deviceId }, 'dynsec: device login removed');
    },
    problem() {
      if (failures.size === 0) return null;
      return [...failures.values()].map((f) => f.error).join('; ');
    },
    async stop() {
      cancel();
    },
  };
}

/**
 * An external broker without `MQTT_DYNSEC`: the operator manages broker logins (a password
 * file, another auth plugin), so the cloud has nothing to register.
 */
export function createNoopRegistry(): MqttCredentialRegistry {
  return {
    async start() {},
    async registerDevice() {},
    async setDevicePassword() {},
    async decommissionDevice() {},
    problem: () => null,
    async stop() {},
  };
}
