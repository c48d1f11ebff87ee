import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.ts';

const urls = {
  LOYALTY_URL: 'http://loyalty.test/',
  ENRICHMENT_URL: 'http://enrichment.test',
  CRM_URL: 'http://crm.test',
  IBDP_URL: 'http://ibdp.test',
  IBDP_TOKEN: 'secret',
};

describe('loadConfig', () => {
  it('applies the defaults of SPEC.md section 3', () => {
    const config = loadConfig({ INTEGRATIONS: 'stub' });
    expect(config).toMatchObject({
      host: '0.0.0.0',
      port: 8080,
      publicUrl: 'http://localhost:8080',
      publicUrlSet: false,
      databaseUrl: 'sqlite:./data/cloud.db',
      databasePoolSize: 10,
      dataDir: './data',
      mqtt: { url: undefined, port: 1883, publicUrl: undefined, dynsec: false },
      integrations: null,
      validityBeforeMs: 4 * 3600_000,
      validityAfterMs: 30 * 60_000,
      invitationMaxAheadMs: 30 * 86_400_000,
      rateLimit: 50,
      logLevel: 'info',
    });
  });

  it('reads every variable', () => {
    const config = loadConfig({
      ...urls,
      PORT: '9000',
      PUBLIC_URL: 'https://lounge.example/',
      DATABASE_URL: 'postgres://u:p@db/cloud',
      MQTT_URL: 'mqtt://broker:1883',
      MQTT_USERNAME: 'cloud',
      MQTT_PASSWORD: 'pw',
      MQTT_DYNSEC: '1',
      VALIDITY_BEFORE_DEPARTURE: '3h',
      VALIDITY_AFTER_DEPARTURE: '45m',
      INVITATION_MAX_AHEAD: '7d',
      RATE_LIMIT: '0',
      DATABASE_POOL_SIZE: '25',
      LOG_LEVEL: 'debug',
    });
    expect(config.databasePoolSize).toBe(25);
    expect(config.publicUrl).toBe('https://lounge.example');
    expect(config.mqtt).toMatchObject({
      url: 'mqtt://broker:1883',
      username: 'cloud',
      dynsec: true,
    });
    expect(config.integrations).toEqual({
      loyalty: { url: 'http://loyalty.test' },
      enrichment: { url: 'http://enrichment.test' },
      crm: { url: 'http://crm.test' },
      ibdp: { url: 'http://ibdp.test', token: 'secret' },
    });
    expect(config.validityBeforeMs).toBe(3 * 3600_000);
    expect(config.invitationMaxAheadMs).toBe(7 * 86_400_000);
    expect(config.rateLimit).toBe(0);
  });

  it('names the variable in one line when a value is bad', () => {
    const cases: [Record<string, string>, string][] = [
      [{ PORT: 'eighty' }, 'PORT'],
      [{ RATE_LIMIT: '-1' }, 'RATE_LIMIT'],
      [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
      [{ VALIDITY_BEFORE_DEPARTURE: 'soon' }, 'VALIDITY_BEFORE_DEPARTURE'],
      [{ INVITATION_MAX_AHEAD: 'a month' }, 'INVITATION_MAX_AHEAD'],
      [{ PUBLIC_URL: 'not a url' }, 'PUBLIC_URL'],
      [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
      [{ DATABASE_POOL_SIZE: '0' }, 'DATABASE_POOL_SIZE'],
      [{ DATABASE_POOL_SIZE: 'many' }, 'DATABASE_POOL_SIZE'],
    ];
    for (const [env, name] of cases) {
      let error: unknown;
      try {
        loadConfig({ INTEGRATIONS: 'stub', ...env });
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as Error).message).toContain(name);
      expect((error as Error).message).not.toContain('\n');
    }
  });

  it('refuses to start without the integration URLs unless INTEGRATIONS=stub', () => {
    expect(() => loadConfig({})).toThrow(/LOYALTY_URL is not set/);
    expect(() => loadConfig({ ...urls, CRM_URL: '' })).toThrow(/CRM_URL is not set/);
    expect(loadConfig({}, { integrations: false }).integrations).toBeNull();
  });

  it('refuses a broker URL whose scheme only starts or ends like mqtt, mqtts, ws or wss', () => {
    for (const name of ['MQTT_URL', 'MQTT_PUBLIC_URL']) {
      for (const url of ['mqttx://broker:1883', 'xws://broker', 'http://broker']) {
        expect(() => loadConfig({ INTEGRATIONS: 'stub', [name]: url })).toThrow(
          `invalid configuration: ${name}: expected an mqtt://, mqtts://, ws:// or wss:// URL`,
        );
      }
      for (const url of ['mqtt://b:1883', 'mqtts://b', 'ws://b/mqtt', 'wss://b/mqtt']) {
        expect(() => loadConfig({ INTEGRATIONS: 'stub', [name]: url })).not.toThrow();
      }
    }
  });

  it('refuses MQTT_DYNSEC=1 on an external broker without the cloud’s login', () => {
    const env = { INTEGRATIONS: 'stub', MQTT_URL: 'mqtt://broker', MQTT_DYNSEC: '1' };
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(/MQTT_DYNSEC=1 needs MQTT_USERNAME/);
    expect(loadConfig({ ...env, MQTT_USERNAME: 'cloud' }).mqtt.dynsec).toBe(true);
    // The embedded broker keeps device logins itself: MQTT_DYNSEC has nothing to drive.
    expect(() => loadConfig({ INTEGRATIONS: 'stub', MQTT_DYNSEC: '1' })).not.toThrow();
  });

  it('refuses a KEY_ENCRYPTION_KEY that is not 32 bytes of base64, naming it', () => {
    const load = (key: string) => () =>
      loadConfig({ INTEGRATIONS: 'stub', KEY_ENCRYPTION_KEY: key });
    expect(load('c2hvcnQ=')).toThrow(/^invalid configuration: KEY_ENCRYPTION_KEY must be 32 bytes/);
    expect(load('not base64!')).toThrow(/KEY_ENCRYPTION_KEY .*not base64/);
    expect(load(Buffer.alloc(32, 7).toString('base64'))).not.toThrow();
  });

  it('refuses a sqlite: DATABASE_URL without a file path', () => {
    expect(() => loadConfig({ INTEGRATIONS: 'stub', DATABASE_URL: 'sqlite://' })).toThrow(
      /^invalid configuration: DATABASE_URL: sqlite: needs a file path/,
    );
  });

  it('keeps the SQLite file’s folder as the data dir', () => {
    expect(
      loadConfig({ INTEGRATIONS: 'stub', DATABASE_URL: 'sqlite:/var/lib/x/c.db' }).dataDir,
    ).toBe('/var/lib/x');
  });
});
