import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import {
  CLOUD_ROLE,
  createDynsecRegistry,
  deviceAcls,
  loungeAcls,
  type DynsecCommand,
} from './dynsec.ts';

/** A dynsec stand-in: keeps roles and clients, answers like mosquitto 2.0, can be broken. */
function fakeDynsec() {
  const roles = new Set<string>();
  const clients = new Map<string, { roles: string[]; enabled: boolean }>();
  const sent: DynsecCommand[] = [];
  const state = { down: false };
  const answer = (c: DynsecCommand) => {
    const user = String(c.username ?? '');
    switch (c.command) {
      case 'createRole':
        if (roles.has(String(c.rolename))) return { error: 'Role already exists' };
        roles.add(String(c.rolename));
        return {};
      case 'createClient':
        if (clients.has(user)) return { error: 'Client already exists' };
        clients.set(user, { roles: [], enabled: true });
        return {};
      case 'getClient':
        return clients.has(user)
          ? {
              data: {
                client: { roles: clients.get(user)!.roles.map((rolename) => ({ rolename })) },
              },
            }
          : { error: 'Client not found' };
      case 'addClientRole':
        clients.get(user)?.roles.push(String(c.rolename));
        return {};
      case 'disableClient':
      case 'deleteClient':
        if (!clients.has(user)) return { error: 'Client not found' };
        if (c.command === 'deleteClient') clients.delete(user);
        else clients.get(user)!.enabled = false;
        return {};
      default:
        return {};
    }
  };
  const control = {
    async send(commands: DynsecCommand[]) {
      if (state.down) throw new Error('MQTT broker not connected');
      sent.push(...commands);
      return commands.map((c) => ({ command: c.command, ...answer(c) }));
    },
  };
  return { control, roles, clients, sent, state };
}

const log = pino({ level: 'silent' });
const device = {
  deviceId: 'dev_01JD0000000000000000000001',
  loungeId: 'MAD-T4S-VELAZQUEZ',
  password: 'pw',
};

function registryOver(fake: ReturnType<typeof fakeDynsec>) {
  let tick: () => void = () => {};
  const registry = createDynsecRegistry({
    control: fake.control,
    cloudUsername: 'cloud',
    log,
    retry: { retries: 1, baseMs: 1, maxMs: 1 },
    schedule: (fn) => {
      tick = fn;
      return () => {};
    },
  });
  return { registry, tick: () => tick() };
}

describe('dynsec registry', () => {
  it('grants the cloud its role once and creates a login per device', async () => {
    const fake = fakeDynsec();
    fake.clients.set('cloud', { roles: ['admin'], enabled: true });
    const { registry } = registryOver(fake);
    await registry.start();
    await registry.start();
    expect(fake.sent.filter((c) => c.command === 'addClientRole')).toHaveLength(1);
    await registry.registerDevice(device);
    expect(fake.roles).toEqual(
      new Set([CLOUD_ROLE, 'lounge-MAD-T4S-VELAZQUEZ', `device-${device.deviceId}`]),
    );
    expect(fake.clients.get(device.deviceId)).toMatchObject({ enabled: true });
    const create = fake.sent.find((c) => c.command === 'createClient');
    expect(create).toMatchObject({ username: device.deviceId, password: 'pw' });
  });

  it('re-registering updates the existing login instead of failing', async () => {
    const fake = fakeDynsec();
    const { registry } = registryOver(fake);
    await registry.registerDevice(device);
    await registry.registerDevice({ ...device, password: 'new' });
    const modify = fake.sent.find((c) => c.command === 'modifyClient');
    expect(modify).toMatchObject({ username: device.deviceId, password: 'new' });
    expect(fake.sent.at(-1)).toMatchObject({ command: 'enableClient' });
    // The lounge role is made once per process; the device role is refreshed.
    expect(fake.sent.filter((c) => c.rolename === 'lounge-MAD-T4S-VELAZQUEZ')).toHaveLength(1);
  });

  it('fails an enrolment loudly when the broker cannot be told', async () => {
    const fake = fakeDynsec();
    fake.state.down = true;
    const { registry } = registryOver(fake);
    await expect(registry.registerDevice(device)).rejects.toThrow(/not connected/);
  });

  it('throws on a failed decommission (the outbox retries it) and is idempotent', async () => {
    const fake = fakeDynsec();
    const { registry } = registryOver(fake);
    await registry.registerDevice(device);
    fake.state.down = true;
    await expect(registry.decommissionDevice(device.deviceId)).rejects.toThrow();
    expect(fake.clients.has(device.deviceId)).toBe(true);
    fake.state.down = false;
    await registry.decommissionDevice(device.deviceId);
    expect(fake.clients.has(device.deviceId)).toBe(false);
    await registry.decommissionDevice(device.deviceId); // already gone: still fine
    expect(registry.problem()).toBeNull();
  });
});

describe('dynsec ACLs', () => {
  it('are exact topics for the lounge, and the status topic for the device alone', () => {
    expect(loungeAcls('MAD-T4S-VELAZQUEZ')).toEqual([
      { acltype: 'subscribeLiteral', topic: 'lounge/v1/revocations', allow: true },
      { acltype: 'subscribeLiteral', topic: 'lounge/v1/revocations/head', allow: true },
      { acltype: 'subscribeLiteral', topic: 'lounge/v1/keys', allow: true },
      {
        acltype: 'subscribeLiteral',
        topic: 'lounge/v1/lounges/MAD-T4S-VELAZQUEZ/entries',
        allow: true,
      },
      {
        acltype: 'subscribeLiteral',
        topic: 'lounge/v1/lounges/MAD-T4S-VELAZQUEZ/config',
        allow: true,
      },
      {
        acltype: 'publishClientSend',
        topic: 'lounge/v1/lounges/MAD-T4S-VELAZQUEZ/entries',
        allow: true,
      },
    ]);
    expect(deviceAcls(device)).toEqual([
      {
        acltype: 'publishClientSend',
        topic: `lounge/v1/devices/${device.deviceId}/status`,
        allow: true,
      },
    ]);
  });
});
