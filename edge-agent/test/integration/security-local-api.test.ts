import { statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect } from 'vitest';
import { edgeTest } from './edge-test.ts';

// The local API is reachable by anything on the gate box's network segment: it must not be
// callable from a browser page, and a code must not be consumable twice through two gates.
describe('edge local API security', () => {
  edgeTest(
    'one grant for 60 concurrent scans of one code across 6 gates',
    async ({ edge, signer, clock }) => {
      const code = await signer.token(clock);
      const gates = ['G1', 'G2', 'G3', 'G4', 'G5', 'G6'];
      const results = await Promise.all(
        Array.from({ length: 60 }, (_, i) => edge.scan(code, gates[i % gates.length])),
      );
      // No repeat rule (SPEC.md 8): one grant in all, even at the granting gate.
      const grants = results.filter((r) => r.decision === 'grant');
      expect(grants).toHaveLength(1);
      for (const r of results.filter((x) => x.decision === 'deny')) {
        expect(r.reason).toBe('ALREADY_USED');
      }
    },
  );

  edgeTest('CORS is closed: no Allow-Origin, preflight refused', async ({ edge }) => {
    const origin = { origin: 'http://evil.test' };
    const scan = await fetch(`${edge.url}/v1/scan`, {
      method: 'POST',
      headers: { ...origin, 'content-type': 'text/plain' },
      body: JSON.stringify({ code: 'x' }),
    });
    expect(scan.status).toBe(401);
    expect(scan.headers.get('access-control-allow-origin')).toBeNull();
    const health = await fetch(`${edge.url}/healthz`, { headers: origin });
    expect(health.headers.get('access-control-allow-origin')).toBeNull();
    const preflight = await fetch(`${edge.url}/v1/scan`, {
      method: 'OPTIONS',
      headers: {
        ...origin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,content-type',
      },
    });
    expect(preflight.status).toBeGreaterThanOrEqual(400);
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
  });

  edgeTest('a token that only prefixes the api.token is refused', async ({ edge }) => {
    const token = edge.config.api.token;
    for (const wrong of [token.slice(0, -1), `${token}x`, token.toUpperCase(), token.slice(1)]) {
      if (wrong === token) continue;
      const res = await edge.call('POST', '/v1/scan', { code: 'x' }, wrong);
      expect({ wrong, status: res.status }).toEqual({ wrong, status: 401 });
    }
  });

  edgeTest(
    'creates its state folder private (0700), which shields edge.db inside it',
    ({ edge }) => {
      const dataDir = edge.config.dataDir;
      expect(statSync(join(dataDir, 'edge.db')).isFile()).toBe(true);
      expect(statSync(dataDir).mode & 0o777).toBe(0o700);
    },
  );
});
