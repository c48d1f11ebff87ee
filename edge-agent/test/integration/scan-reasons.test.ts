import { createHash, createPublicKey } from 'node:crypto';
import { SignJWT, base64url } from 'jose';
import { describe, expect } from 'vitest';
import { makeSigner } from './fixtures.ts';
import { edgeTest } from './edge-test.ts';

// Every reason code of SPEC.md 8 through POST /v1/scan, with real tokens signed by a test key
// served from a stand-in cloud, and forged ones.
describe('POST /v1/scan reasons', () => {
  edgeTest(
    'grants a valid code once, with the decision object of SPEC.md 8',
    async ({ edge, signer, clock }) => {
      const token = await signer.token(clock, { gst: 2 });
      const d = await edge.scan(token, 'gate1');
      expect(d).toMatchObject({
        decision: 'grant',
        reason: 'OK',
        admit: 3,
        entriesLeft: 0,
        gate: 'gate1',
        offline: false,
        decidedAt: new Date(clock.now()).toISOString(),
      });
      expect(d.eventId).toMatch(/^evt_[0-9A-Z]{26}$/);
      expect(d.invitationId).toMatch(/^inv_/);
      expect(d).not.toHaveProperty('clockSuspect');
      const row = edge.agent.state.accessLog.byEventId(String(d.eventId));
      expect(row).toMatchObject({ decision: 'grant', reason: 'OK', admit: 3, gate: 'gate1' });
      expect(row?.codeSha256).toBe(createHash('sha256').update(token).digest('hex'));
      expect(JSON.stringify(row)).not.toContain(token.split('.')[2]);
      // Scanners add white space; the hash is of the code as verified, so IBDP can match it.
      const padded = await signer.token(clock);
      const d2 = await edge.scan(` ${padded}\r\n`, 'gate1');
      expect(d2.decision).toBe('grant');
      expect(edge.agent.state.accessLog.byEventId(String(d2.eventId))?.codeSha256).toBe(
        createHash('sha256').update(padded).digest('hex'),
      );
    },
  );

  edgeTest(
    'never grants a used code again, on the same gate or another, however soon',
    async ({ edge, signer, clock }) => {
      const token = await signer.token(clock, { ent: 2 });
      const first = await edge.scan(token, 'gate1');
      expect(first).toMatchObject({ decision: 'grant', entriesLeft: 1 });
      clock.advance(3000);
      // No repeat rule (SPEC.md 8): each read without a known scanId takes an entry...
      const second = await edge.scan(token, 'gate1');
      expect(second).toMatchObject({ decision: 'grant', entriesLeft: 0, admit: 2 });
      expect(second).not.toHaveProperty('repeat');
      // ...and once they are all used, every read is ALREADY_USED, on any gate, at once.
      for (const gate of ['gate1', 'gate2']) {
        expect(await edge.scan(token, gate)).toMatchObject({
          decision: 'deny',
          reason: 'ALREADY_USED',
          admit: 0,
        });
      }
      expect(
        edge.agent.state.outbox
          .pending(100)
          .filter((e) => e.event.type === 'grant' && e.event.invitationId === first.invitationId),
      ).toHaveLength(2);
    },
  );

  edgeTest('verify is a dry run: it neither consumes nor logs', async ({ edge, signer, clock }) => {
    const token = await signer.token(clock);
    const before = edge.agent.state.uploads.pending();
    for (let i = 0; i < 2; i++) {
      const res = await edge.call('POST', '/v1/verify', { code: token });
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ decision: 'grant', dryRun: true, entriesLeft: 0 });
    }
    expect(edge.agent.state.uploads.pending()).toBe(before);
    expect(await edge.scan(token)).toMatchObject({ decision: 'grant', gate: 'api' });
  });

  edgeTest('denies codes that are not tokens as MALFORMED', async ({ edge }) => {
    for (const code of ['hello', 'a.b', 'x'.repeat(4097), 'a.b.c']) {
      expect(await edge.scan(code)).toMatchObject({
        decision: 'deny',
        reason: 'MALFORMED',
        invitationId: null,
        validUntil: null,
        admit: 0,
        entriesLeft: 0,
      });
    }
  });

  edgeTest(
    'refuses alg none and HS256 keyed with the public key as UNSUPPORTED_ALG',
    async ({ edge, signer, clock }) => {
      const token = await signer.token(clock);
      const payload = token.split('.')[1]!;
      const none = `${base64url.encode(JSON.stringify({ alg: 'none', kid: signer.kid }))}.${payload}.AA`;
      const pubPem = createPublicKey({ key: { ...signer.publicJwk }, format: 'jwk' }).export({
        type: 'spki',
        format: 'pem',
      });
      const hs256 = await new SignJWT(
        JSON.parse(new TextDecoder().decode(base64url.decode(payload))),
      )
        .setProtectedHeader({ alg: 'HS256', kid: signer.kid })
        .sign(new TextEncoder().encode(String(pubPem)));
      for (const code of [none, hs256]) {
        expect(await edge.scan(code)).toMatchObject({
          decision: 'deny',
          reason: 'UNSUPPORTED_ALG',
        });
      }
    },
  );

  edgeTest('answers UNKNOWN_KEY for a key the cloud never published', async ({ edge, clock }) => {
    const stranger = await makeSigner('kStrange');
    expect(await edge.scan(await stranger.token(clock))).toMatchObject({
      decision: 'deny',
      reason: 'UNKNOWN_KEY',
    });
  });

  edgeTest(
    'answers BAD_SIGNATURE for a tampered payload or a forged signature',
    async ({ edge, signer, clock }) => {
      const token = await signer.token(clock, { gst: 0 });
      const [h, p, s] = token.split('.') as [string, string, string];
      const claims = JSON.parse(new TextDecoder().decode(base64url.decode(p)));
      const tampered = `${h}.${base64url.encode(JSON.stringify({ ...claims, gst: 9 }))}.${s}`;
      const imposter = await makeSigner(signer.kid);
      const forged = await imposter.token(clock);
      for (const code of [tampered, forged]) {
        expect(await edge.scan(code)).toMatchObject({ decision: 'deny', reason: 'BAD_SIGNATURE' });
      }
    },
  );

  edgeTest(
    'answers WRONG_LOUNGE, NOT_YET_VALID and EXPIRED from the claims',
    async ({ edge, signer, clock }) => {
      const now = Math.floor(clock.now() / 1000);
      const cases: [{ aud?: string; nbf?: number; exp?: number }, string][] = [
        [{ aud: 'BCN-T1-PUENTE' }, 'WRONG_LOUNGE'],
        [{ nbf: now + 600, exp: now + 7200 }, 'NOT_YET_VALID'],
        [{ nbf: now - 7200, exp: now - 600 }, 'EXPIRED'],
      ];
      for (const [claims, reason] of cases) {
        const d = await edge.scan(await signer.token(clock, claims));
        expect(d).toMatchObject({ decision: 'deny', reason });
        expect(d.invitationId).toMatch(/^inv_/);
        expect(d.validUntil).toBe(new Date((claims.exp ?? now + 3600) * 1000).toISOString());
      }
      // Within clockSkewSeconds (120 s) either side, the window still holds.
      const edgeCase = await signer.token(clock, { nbf: now + 100, exp: now + 7200 });
      expect(await edge.scan(edgeCase)).toMatchObject({ decision: 'grant' });
    },
  );

  edgeTest(
    'answers REVOKED once a revocation is applied, before ALREADY_USED',
    async ({ edge, signer, clock }) => {
      const token = await signer.token(clock);
      const first = await edge.scan(token, 'gate1');
      expect(first.decision).toBe('grant');
      const seq = edge.agent.syncPort.revocationSeq() + 1;
      const result = edge.agent.syncPort.applyRevocation({
        seq,
        invitationId: String(first.invitationId),
        revokedAt: new Date(clock.now()).toISOString(),
        reason: 'customer request',
        exp: Math.floor(clock.now() / 1000) + 3600,
      });
      expect(result).toBe('applied');
      expect(await edge.scan(token, 'gate1')).toMatchObject({
        decision: 'deny',
        reason: 'REVOKED',
      });
    },
  );

  edgeTest(
    'counts entries from other gates of the lounge (ALREADY_USED)',
    async ({ edge, signer, clock }) => {
      const token = await signer.token(clock);
      const jti = JSON.parse(new TextDecoder().decode(base64url.decode(token.split('.')[1]!))).jti;
      const event = {
        type: 'grant',
        eventId: 'evt_01JD0000000000000000000099',
        deviceId: 'dev_01JD0000000000000000000002',
        gate: 'gate9',
        at: new Date(clock.now()).toISOString(),
        invitationId: jti,
        admit: 2,
        reason: 'OK',
      };
      expect(edge.agent.syncPort.applyLoungeEvent(event)).toBe('applied');
      expect(edge.agent.syncPort.applyLoungeEvent(event)).toBe('duplicate');
      expect(await edge.scan(token)).toMatchObject({ decision: 'deny', reason: 'ALREADY_USED' });
    },
  );

  edgeTest('logs every decision exactly once, in order', async ({ edge }) => {
    const rows = edge.agent.state.accessLog.recent(1000).reverse();
    const ids = rows.map((r) => r.id);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(new Set(rows.map((r) => r.eventId)).size).toBe(rows.length);
    const reasons = new Set(rows.map((r) => r.reason));
    for (const r of ['OK', 'MALFORMED', 'UNSUPPORTED_ALG', 'UNKNOWN_KEY', 'BAD_SIGNATURE']) {
      expect(reasons).toContain(r);
    }
    for (const r of ['WRONG_LOUNGE', 'NOT_YET_VALID', 'EXPIRED', 'REVOKED', 'ALREADY_USED']) {
      expect(reasons).toContain(r);
    }
  });
});
