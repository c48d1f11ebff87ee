import { describe, expect, it } from 'vitest';
import { cloudClientId } from './client-id.ts';

const base = { configured: undefined, hostname: 'cloud-1.prod', port: 8080, pid: 7, random: 'x_1' };

describe('cloudClientId', () => {
  it('takes MQTT_CLIENT_ID as it is', () => {
    expect(cloudClientId({ ...base, configured: 'cloud-a' })).toBe('cloud-a');
  });
  it('is the same after a restart (new pid) of the instance on one host and port', () => {
    expect(cloudClientId(base)).toBe('lounge-cloud-cloud-1-prod-8080');
    expect(cloudClientId({ ...base, pid: 99, random: 'other' })).toBe(cloudClientId(base));
  });
  it('differs between instances of one host (ports differ)', () => {
    expect(cloudClientId({ ...base, port: 8081 })).not.toBe(cloudClientId(base));
  });
  it('with PORT=0 is unique per process', () => {
    const a = cloudClientId({ ...base, port: 0 });
    expect(a).toBe('lounge-cloud-cloud-1-prod-7-x1');
    expect(cloudClientId({ ...base, port: 0, pid: 8 })).not.toBe(a);
  });
});
