import { hash, timingSafeEqual } from 'node:crypto';
import type { Clock, Decision, Occupancy } from '@lounge/shared';
import { ProblemError } from '@lounge/shared';
import { Hono, type MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { HTTPException } from 'hono/http-exception';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { Annulment } from '../annul.ts';
import type { Health } from '../health.ts';
import { SCAN_ID_RE } from '../scan-retry.ts';
import { onApiError, problemResponse, readJson } from './problems.ts';
import type { SseHub } from './sse-hub.ts';

/** What the local API needs from the agent: thin routes over these use cases. */
export interface ApiDeps {
  token: string;
  clock: Clock;
  log: Logger;
  sse: SseHub;
  /** Decides a turnstile scan; a known `scanId` answers its recorded decision (SPEC.md 8). */
  scan(code: string, gate: string, receivedAt: number, scanId?: string): Promise<Decision>;
  verify(code: string, gate: string): Promise<Decision>;
  /** SPEC.md 8: the next read of that scanner, decided as a dry run (nothing consumed). */
  testScanner(
    scannerId: string,
    timeoutMs: number,
    signal: AbortSignal,
  ): Promise<{ code: string; decision: Decision }>;
  annul(eventId: string): Annulment;
  /** People the turnstile counted leaving (SPEC.md 8); a known passageId counts once. */
  passage(input: { count: number; gate?: string; passageId?: string }): Occupancy;
  health(): Health;
  metrics(): Promise<{ contentType: string; body: string }>;
}

/** 16 KiB: a token is at most 4 KiB; anything bigger is not a turnstile talking. */
export const MAX_BODY_BYTES = 16 * 1024;

const GATE_RE = /^[A-Za-z0-9_.:-]{1,64}$/;
const gate = z.string().regex(GATE_RE, 'expected 1-64 letters, digits, _ . : or -');
const scanId = z.string().regex(SCAN_ID_RE, 'expected 1-64 letters, digits, _ . : or -');
const verifyBody = z.object({ code: z.string(), gate: gate.optional() });
export const scanBody = verifyBody.extend({ scanId: scanId.optional() });
type ScanBody = z.infer<typeof scanBody>;

/**
 * The scan body zod would accept, checked by hand (zod's parse costs a scan several µs of CPU);
 * anything else returns undefined and goes through `scanBody`, so every error answer stays
 * zod's. Unknown keys are dropped, as zod's object does.
 */
export function plainScanBody(raw: unknown): ScanBody | undefined {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return undefined;
  const { code, gate: g, scanId: id } = raw as Record<string, unknown>;
  if (typeof code !== 'string') return undefined;
  if (g !== undefined && (typeof g !== 'string' || !GATE_RE.test(g))) return undefined;
  if (id !== undefined && (typeof id !== 'string' || !SCAN_ID_RE.test(id))) return undefined;
  return { code, gate: g, scanId: id };
}
const EVENT_ID = /^evt_[0-9A-Za-z]{1,40}$/;
const testBody = z.strictObject({ timeoutMs: z.number().int().min(100).max(300_000).optional() });
/** How long a scanner test waits by default (the technician walks to the scanner). */
const TEST_TIMEOUT_MS = 30_000;
const passageBody = z.strictObject({
  direction: z.literal('exit'),
  count: z.number().int().min(1).max(1000),
  gate: gate.optional(),
  passageId: scanId.optional(),
});

// One-shot hash: no Hash object per request (it runs on every call of the API).
const digest = (s: string): Buffer => hash('sha256', s, 'buffer');

const streamingLimit = bodyLimit({ maxSize: MAX_BODY_BYTES });

/**
 * 413 for a body over 16 KiB. A declared Content-Length is checked without touching the body:
 * hono's `bodyLimit` reads `req.raw.body`, which makes @hono/node-server build a web Request
 * and stream where `c.req.text()` reads the socket directly (~200 µs CPU per scan measured,
 * docs/performance.md). Chunked bodies still go through hono's counting reader.
 */
const limitBody: MiddlewareHandler = async (c, next) => {
  const length = c.req.header('content-length');
  if (length === undefined || c.req.header('transfer-encoding') !== undefined) {
    return streamingLimit(c, next);
  }
  if (Number(length) > MAX_BODY_BYTES) throw new HTTPException(413);
  await next();
};

/** Bearer check in constant time (hashing first makes the lengths equal). */
function tokenMatches(header: string | undefined, expected: Buffer): boolean {
  const match = /^Bearer\s+(.+)$/i.exec(header ?? '');
  return match !== null && timingSafeEqual(digest(match[1]!.trim()), expected);
}

/** The local turnstile API of SPEC.md 8 (Hono; served by @hono/node-server in the agent). */
export function createApiApp(deps: ApiDeps): Hono {
  const app = new Hono();
  const expected = digest(deps.token);
  app.onError(onApiError(deps.log));
  app.notFound(() => problemResponse(new ProblemError('NOT_FOUND', 'no such route')));

  app.get('/healthz', (c) => c.json(deps.health()));

  app.use('*', async (c, next) => {
    if (!tokenMatches(c.req.header('authorization'), expected)) {
      return problemResponse(new ProblemError('UNAUTHORIZED', 'missing or wrong bearer token'), {
        'www-authenticate': 'Bearer',
      });
    }
    await next();
  });
  app.use('/v1/*', limitBody);

  app.post('/v1/scan', async (c) => {
    const receivedAt = deps.clock.now();
    const body = await readJson(c, scanBody, undefined, plainScanBody);
    return c.json(await deps.scan(body.code, body.gate ?? 'api', receivedAt, body.scanId));
  });

  app.post('/v1/verify', async (c) => {
    const body = await readJson(c, verifyBody);
    return c.json(await deps.verify(body.code, body.gate ?? 'api'));
  });

  app.post('/v1/scanners/:id/test', async (c) => {
    const body = await readJson(c, testBody, {});
    const timeoutMs = body.timeoutMs ?? TEST_TIMEOUT_MS;
    return c.json(await deps.testScanner(c.req.param('id'), timeoutMs, c.req.raw.signal));
  });

  app.post('/v1/decisions/:eventId/annul', (c) => {
    const eventId = c.req.param('eventId');
    if (!EVENT_ID.test(eventId)) {
      throw new ProblemError('DECISION_NOT_FOUND', `no grant with eventId ${eventId}`);
    }
    return c.json(deps.annul(eventId));
  });

  app.post('/v1/passages', async (c) => {
    const { count, gate: g, passageId } = await readJson(c, passageBody);
    const { inside, capacity } = deps.passage({
      count,
      ...(g && { gate: g }),
      ...(passageId && { passageId }),
    });
    return c.json({ inside, capacity });
  });

  app.get('/v1/events', (c) => deps.sse.handle(c));

  app.get('/metrics', async (c) => {
    const { contentType, body } = await deps.metrics();
    return c.body(body, 200, { 'content-type': contentType });
  });

  return app;
}
