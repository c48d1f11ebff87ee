import { createPublicKey, verify } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeQr } from '@lounge/test-helpers/zbar';
import { utcDate } from '@lounge/test-helpers/dates';
import { startCloud } from '../../src/cloud.ts';
import { loadConfig } from '../../src/config.ts';
import { pino } from 'pino';

const ADMIN = 'signed-link-admin-secret';
let dir: string;
let cloud: Awaited<ReturnType<typeof startCloud>>;
let base: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cloud-link-'));
  const config = loadConfig({
    HOST: '127.0.0.1',
    PORT: '0',
    MQTT_PORT: '0',
    DATABASE_URL: `sqlite:${join(dir, 'cloud.db')}`,
    INTEGRATIONS: 'stub',
    BOOTSTRAP_ADMIN_KEY: ADMIN,
  });
  cloud = await startCloud(config, { log: pino({ level: 'silent' }) });
  base = `http://127.0.0.1:${cloud.port}`;
});
afterAll(async () => {
  await cloud?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const api = async (method: string, path: string, body?: unknown) => {
  const res = await fetch(base + path, {
    method,
    headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return (await res.json()) as Record<string, unknown>;
};

describe('QR claim-check through a signed link', () => {
  it('serves a PNG whose code zbarimg reads back as the token, verifiable with node:crypto', async () => {
    await api('PUT', '/v1/lounges/MAD-T4S-VELAZQUEZ', {
      airport: 'MAD',
      name: 'Velázquez',
      timezone: 'Europe/Madrid',
    });
    const inv = (await api('POST', '/v1/invitations', {
      customerId: 'IB0001',
      loungeId: 'MAD-T4S-VELAZQUEZ',
      flight: { number: 'IB0612', date: utcDate() },
      guests: 2,
    })) as { id: string; token: string; qr: { png: string } };
    expect(inv.token.length).toBeLessThanOrEqual(360);

    // The link carries its own authorisation: no API key.
    const png = await fetch(inv.qr.png.replace(/^http:\/\/localhost:\d+/, base));
    expect(png.status).toBe(200);
    expect(png.headers.get('content-type')).toBe('image/png');
    const decoded = await decodeQr(new Uint8Array(await png.arrayBuffer()));
    expect(decoded).toBe(inv.token);

    const jwks = (await (await fetch(`${base}/.well-known/jwks.json`)).json()) as {
      keys: { kid: string; kty: string; crv: string; x: string }[];
    };
    const [header, payload, signature] = decoded.split('.') as [string, string, string];
    const { kid, alg } = JSON.parse(Buffer.from(header, 'base64url').toString()) as {
      kid: string;
      alg: string;
    };
    expect(alg).toBe('EdDSA');
    const jwk = jwks.keys.find((k) => k.kid === kid)!;
    const publicKey = createPublicKey({
      key: { kty: jwk.kty, crv: jwk.crv, x: jwk.x },
      format: 'jwk',
    });
    const ok = verify(
      null,
      Buffer.from(`${header}.${payload}`),
      publicKey,
      Buffer.from(signature, 'base64url'),
    );
    expect(ok).toBe(true);
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<
      string,
      unknown
    >;
    expect(claims).toMatchObject({ aud: 'MAD-T4S-VELAZQUEZ', gst: 2 });
    expect(JSON.stringify(claims)).not.toContain('IB0001');

    // One spelling: the same MAC with another last sig character is not the link.
    const link = new URL(inv.qr.png.replace(/^http:\/\/localhost:\d+/, base));
    const sig = link.searchParams.get('sig')!;
    const alias = new URL(link);
    const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    alias.searchParams.set('sig', sig.slice(0, -1) + B64[B64.indexOf(sig.at(-1)!) | 1]);
    expect(Buffer.from(alias.searchParams.get('sig')!, 'base64url')).toEqual(
      Buffer.from(sig, 'base64url'),
    );
    expect((await fetch(alias)).status).toBe(403);
    // Revoked: the genuine link answers 410 INVITATION_REVOKED.
    await api('POST', `/v1/invitations/${inv.id}/revoke`, { reason: 'system test' });
    const gone = await fetch(link);
    expect(gone.status).toBe(410);
    expect(((await gone.json()) as { code: string }).code).toBe('INVITATION_REVOKED');
  });

  it('refuses a body without Content-Type with 415 over a real socket, before any key', async () => {
    const res = await fetch(`${base}/v1/devices/enroll`, {
      method: 'POST',
      body: new TextEncoder().encode('{"publicKey":{}}'),
    });
    expect(res.status).toBe(415);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(((await res.json()) as { code: string }).code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });
});
