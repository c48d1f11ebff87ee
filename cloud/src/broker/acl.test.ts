import { TOPICS } from '@lounge/shared';
import { describe, expect, it } from 'vitest';
import { canPublish, canSubscribe, type BrokerLogin } from './acl.ts';

const device: BrokerLogin = {
  kind: 'device',
  deviceId: 'dev_01JD0000000000000000000001',
  loungeId: 'MAD-T4S-VELAZQUEZ',
};
const own = TOPICS.loungeEntries('MAD-T4S-VELAZQUEZ');
const other = TOPICS.loungeEntries('BCN-T1-MIRO');

describe('device ACL', () => {
  it('subscribes to the cloud topics and its own lounge entries and config', () => {
    const config = TOPICS.loungeConfig('MAD-T4S-VELAZQUEZ');
    for (const t of [TOPICS.revocations, TOPICS.revocationsHead, TOPICS.keys, own, config]) {
      expect(canSubscribe(device, t)).toBe(true);
    }
  });

  it('refuses other lounges, statuses and every wildcard or shared filter', () => {
    for (const t of [
      other,
      TOPICS.loungeConfig('BCN-T1-MIRO'),
      TOPICS.deviceStatus(device.kind === 'device' ? device.deviceId : ''),
      '#',
      '+/#',
      'lounge/#',
      'lounge/v1/lounges/+/entries',
      'lounge/v1/lounges/#',
      'lounge/v1/revocations/#',
      'lounge/v1/+',
      `$share/g/${own}`,
      `$share/g/${TOPICS.revocations}`,
      '$SYS/#',
      '$CONTROL/dynamic-security/v1',
      `${own}\u0000`,
      '',
    ]) {
      expect(canSubscribe(device, t), t).toBe(false);
    }
  });

  it('publishes only to its lounge entries and its own status', () => {
    expect(canPublish(device, own)).toBe(true);
    expect(canPublish(device, TOPICS.deviceStatus('dev_01JD0000000000000000000001'))).toBe(true);
    for (const t of [
      other,
      TOPICS.deviceStatus('dev_01JD0000000000000000000002'),
      TOPICS.revocations,
      TOPICS.revocationsHead,
      TOPICS.keys,
      'lounge/v1/lounges/+/entries',
      '$CONTROL/dynamic-security/v1',
    ]) {
      expect(canPublish(device, t), t).toBe(false);
    }
  });

  it('lets the cloud do everything', () => {
    const cloud: BrokerLogin = { kind: 'cloud' };
    expect(canSubscribe(cloud, '#')).toBe(true);
    expect(canSubscribe(cloud, `$share/lounge-cloud/${TOPICS.allLoungeEntries}`)).toBe(true);
    expect(canPublish(cloud, TOPICS.revocations)).toBe(true);
  });
});
