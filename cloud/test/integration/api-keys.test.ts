import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import { createApiKey, keyIdOf } from '../../src/domain/admin.ts';
import { ensureBootstrapAdminKey } from '../../src/domain/api-keys.ts';
import { createStore, type CloudStore } from '../../src/store/index.ts';
import { makeCloud, type TestCloud } from './harness.ts';

// A leaked API key can be listed and cut off, and a revoked key is refused at once
// on every instance (SPEC.md 5). Two apps over one SQLite file stand for two instances.
let cloud: TestCloud;
let twinStore: CloudStore;
let twin: ReturnType<typeof createApp>;

const on = (app: ReturnType<typeof createApp>, key: string, path = '/v1/api-keys') =>
  app.request(path, { headers: { authorization: `Bearer ${key}` } });

const revoke = (id: string, key = cloud.admin) =>
  cloud.call<Record<string, unknown>>('POST', `/v1/api-keys/${id}/revoke`, { key });

beforeAll(async () => {
  cloud = await makeCloud();
  twinStore = await createStore(cloud.databaseUrl, { log: cloud.deps.log, clock: cloud.clock });
  twin = createApp({ ...cloud.deps, store: twinStore });
});
afterAll(async () => {
  await twinStore.close();
  await cloud.close();
});

describe('API keys: list and revoke', () => {
  it('lists every key without its secret or hash, to admins only', async () => {
    const res = await cloud.call<{ items: Record<string, unknown>[] }>('GET', '/v1/api-keys');
    expect(res.status).toBe(200);
    expect(res.json.items.map((k) => [k.role, k.name])).toEqual(
      expect.arrayContaining([
        ['admin', 'test admin'],
        ['app', 'test app'],
      ]),
    );
    for (const k of res.json.items) {
      expect(Object.keys(k).sort()).toEqual(['createdAt', 'id', 'name', 'revokedAt', 'role']);
    }
    expect(res.text).not.toContain(cloud.admin.slice(-43));
    expect((await cloud.call('GET', '/v1/api-keys', { key: cloud.appKey })).json.code).toBe(
      'FORBIDDEN',
    );
  });

  it('refuses a revoked key at once, on this instance and on another one', async () => {
    const leaked = await createApiKey(cloud.store, 'admin', 'leaked', cloud.clock.now());
    // Both instances have just accepted it (anything they might cache is warm).
    expect((await on(cloud.app, leaked.key)).status).toBe(200);
    expect((await on(twin, leaked.key)).status).toBe(200);
    const res = await revoke(leaked.id);
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ id: leaked.id, revokedAt: expect.any(String) });
    for (const app of [cloud.app, twin]) {
      const refused = await on(app, leaked.key);
      expect(refused.status).toBe(401);
      expect(((await refused.json()) as { code: string }).code).toBe('UNAUTHORIZED');
    }
    // Idempotent: the first revokedAt stands.
    cloud.clock.advance(60_000);
    expect((await revoke(leaked.id)).json.revokedAt).toBe(res.json.revokedAt);
  });

  it('revokes the bootstrap key, which is not re-created while another admin key exists', async () => {
    const secret = 'operator-chosen-bootstrap-secret';
    const now = cloud.clock.now();
    expect(await ensureBootstrapAdminKey(cloud.store, secret, now)).toBe(false); // admins exist
    await createApiKey(cloud.store, 'admin', 'bootstrap', now, secret);
    expect((await on(twin, secret)).status).toBe(200);
    expect((await revoke(keyIdOf(secret))).status).toBe(200);
    expect((await on(twin, secret)).status).toBe(401);
    // A restart with BOOTSTRAP_ADMIN_KEY still set brings nothing back.
    expect(await ensureBootstrapAdminKey(twinStore, secret, now)).toBe(false);
    expect((await on(cloud.app, secret)).status).toBe(401);
  });

  it('refuses to revoke the last live admin key (409 LAST_ADMIN_KEY) and unknown ids (404)', async () => {
    const list = await cloud.call<{ items: { id: string; role: string; revokedAt: unknown }[] }>(
      'GET',
      '/v1/api-keys',
    );
    const mine = list.json.items.find((k) => k.role === 'admin' && k.revokedAt === null)!;
    const others = list.json.items.filter(
      (k) => k.role === 'admin' && k.revokedAt === null && k.id !== mine.id,
    );
    expect(others).toEqual([]); // earlier tests revoked the rest
    const last = await revoke(mine.id);
    expect(last.status).toBe(409);
    expect(last.json.code).toBe('LAST_ADMIN_KEY');
    expect((await on(cloud.app, cloud.admin)).status).toBe(200);
    const unknown = await revoke('0123456789abcdef');
    expect([unknown.status, unknown.json.code]).toEqual([404, 'API_KEY_NOT_FOUND']);
    const app = await revoke('not a key id!');
    expect(app.status).toBe(400);
  });
});
