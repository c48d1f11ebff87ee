import { describe, expect } from 'vitest';
import { LOUNGE, DEVICE } from './fixtures.ts';
import { edgeTest } from './edge-test.ts';

async function expectProblem(res: Response, status: number, code: string) {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toBe('application/problem+json');
  const body = (await res.json()) as Record<string, unknown>;
  expect(body).toMatchObject({ status, code });
  expect(typeof body.type).toBe('string');
  expect(typeof body.title).toBe('string');
  expect(typeof body.detail).toBe('string');
  return body;
}

describe('local API errors, health and metrics', () => {
  edgeTest('answers 401 without or with a wrong bearer token', async ({ edge }) => {
    const none = await edge.call('POST', '/v1/scan', { code: 'x' }, null);
    await expectProblem(none, 401, 'UNAUTHORIZED');
    expect(none.headers.get('www-authenticate')).toBe('Bearer');
    await expectProblem(
      await edge.call('POST', '/v1/scan', { code: 'x' }, 'wrong-token-0123456789'),
      401,
      'UNAUTHORIZED',
    );
    await expectProblem(await edge.call('GET', '/v1/events', undefined, null), 401, 'UNAUTHORIZED');
    await expectProblem(await edge.call('GET', '/metrics', undefined, 'nope'), 401, 'UNAUTHORIZED');
    expect(edge.agent.state.uploads.pending()).toBe(0);
  });

  edgeTest(
    'answers 400 INVALID_REQUEST for bad JSON or a missing code, naming the field',
    async ({ edge }) => {
      await expectProblem(await edge.call('POST', '/v1/scan', '{"code":'), 400, 'INVALID_REQUEST');
      const missing = await expectProblem(
        await edge.call('POST', '/v1/scan', { gate: 'g1' }),
        400,
        'INVALID_REQUEST',
      );
      expect(missing.detail).toMatch(/^code: /);
      const badGate = await expectProblem(
        await edge.call('POST', '/v1/verify', { code: 'x', gate: 'a b' }),
        400,
        'INVALID_REQUEST',
      );
      expect(badGate.field).toBe('gate');
    },
  );

  edgeTest(
    'answers 413 for a body over 16 KiB, with or without Content-Length',
    async ({ edge }) => {
      const big = JSON.stringify({ code: 'x'.repeat(17 * 1024) });
      await expectProblem(await edge.call('POST', '/v1/scan', big), 413, 'PAYLOAD_TOO_LARGE');
      const chunked = new ReadableStream({
        start(controller) {
          controller.enqueue(new TextEncoder().encode(big));
          controller.close();
        },
      });
      const res = await fetch(`${edge.url}/v1/scan`, {
        method: 'POST',
        headers: { authorization: `Bearer ${edge.config.api.token}` },
        body: chunked,
        duplex: 'half',
      } as RequestInit);
      await expectProblem(res, 413, 'PAYLOAD_TOO_LARGE');
      expect(edge.agent.state.uploads.pending()).toBe(0);
    },
  );

  edgeTest('answers 404 problem+json for an unknown route', async ({ edge }) => {
    await expectProblem(await edge.call('GET', '/v1/nothing'), 404, 'NOT_FOUND');
  });

  edgeTest('serves /healthz without a token, in the SPEC shape', async ({ edge, clock }) => {
    await edge.scan('garbage');
    const res = await edge.call('GET', '/healthz', undefined, null);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      status: 'ok',
      deviceId: DEVICE,
      loungeId: LOUNGE,
      sync: { revocationSeq: 0, revocationLag: 0, lastSyncAt: null, mqtt: 'disconnected' },
      scanners: [],
      uploads: {
        pending: 1,
        oldestPendingAt: new Date(clock.now()).toISOString(),
        lastUploadAt: null,
        lastError: null,
      },
      occupancy: { inside: 0, capacity: null },
      clock: { suspect: false, skewSeconds: 0 },
    });
  });

  edgeTest('serves Prometheus metrics with decisions by reason and latency', async ({ edge }) => {
    const res = await edge.call('GET', '/metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await res.text();
    expect(text).toContain(
      'lounge_edge_decisions_total{decision="deny",reason="MALFORMED",source="api"} 1',
    );
    expect(text).toContain('lounge_edge_decision_latency_seconds_count{source="api"} 1');
    expect(text).toContain('lounge_edge_webhook_failures_total 0');
    // The /healthz upload figures (SPEC.md 8), with no uploader configured.
    expect(text).toMatch(/^lounge_edge_upload_pending_records \d+$/m);
    expect(text).toMatch(/^lounge_edge_upload_oldest_pending_age_seconds \d+/m);
    expect(text).toContain('lounge_edge_upload_last_error_status 0');
    expect(text).toContain('lounge_edge_upload_last_success_timestamp_seconds 0');
    expect(text).toContain('lounge_edge_upload_stuck 0');
  });
});
