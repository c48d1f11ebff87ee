import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.ts';
import { startupSummary, withoutPassword } from './startup-summary.ts';

describe('startupSummary', () => {
  it('says where it listens, which database, broker and integrations, without secrets', () => {
    const config = loadConfig({
      PORT: '9000',
      DATABASE_URL: 'postgres://lounge:s3cret@db:5432/lounge',
      MQTT_URL: 'mqtts://cloud:pw@broker:8883',
      LOYALTY_URL: 'https://gw/loyalty',
      ENRICHMENT_URL: 'https://gw/flights',
      CRM_URL: 'https://gw/crm',
      IBDP_URL: 'https://gw/ibdp',
      IBDP_TOKEN: 'tok',
    });
    const summary = startupSummary(config);
    expect(summary).toEqual({
      listen: 'http://0.0.0.0:9000',
      publicUrl: 'http://localhost:9000',
      database: 'postgres://lounge@db:5432/lounge',
      broker: 'mqtts://cloud@broker:8883',
      integrations:
        'loyalty=https://gw/loyalty enrichment=https://gw/flights crm=https://gw/crm ibdp=https://gw/ibdp',
    });
    expect(JSON.stringify(summary)).not.toMatch(/s3cret|pw@|tok/);
  });

  it('names the embedded broker and the stub integrations', () => {
    const summary = startupSummary(loadConfig({ INTEGRATIONS: 'stub', MQTT_PORT: '1884' }));
    expect(summary.broker).toBe('embedded on 0.0.0.0:1884');
    expect(summary.integrations).toMatch(/^stub/);
    expect(summary.database).toBe('sqlite:./data/cloud.db');
  });

  it('leaves a URL without a password as it was', () => {
    expect(withoutPassword('sqlite:./x.db')).toBe('sqlite:./x.db');
    expect(withoutPassword('mqtt://broker:1883')).toBe('mqtt://broker:1883');
  });
});
