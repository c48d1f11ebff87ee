import { readFile } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';

/**
 * The demo's conversations with the cloud: the same admin and app calls an operator or the
 * customer app makes (SPEC.md section 5). Nothing here reaches into the cloud's database.
 */

type Fetch = typeof fetch;

/** The demo lounge: MAD terminal 4S (SPEC.md section 4's example). */
export const LOUNGE = { id: 'MAD-T4S-VELAZQUEZ', airport: 'MAD', name: 'Sala VIP Velázquez' };

/** The sample invitation: a stub Platinum member (2 guests allowed) on a MAD flight today. */
export const SAMPLE = { customerId: 'IB0001', flightNumber: 'IB0614', guests: 1 };

/** The invitation fields the demo prints (GET /v1/invitations/:id plus `token`). */
export interface Invitation {
  id: string;
  status: string;
  token: string;
  validFrom: string;
  validUntil: string;
  guests: number;
  qr: { png: string; svg: string; expiresAt: string };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `url` until it answers 200; rejects after `timeoutMs` or as soon as `gone` settles. */
export async function waitForOk(
  url: string,
  opts: { fetch: Fetch; timeoutMs: number; what: string; gone: Promise<unknown> },
): Promise<void> {
  let quit = false;
  void opts.gone.then(() => (quit = true));
  const deadline = Date.now() + opts.timeoutMs;
  while (!quit) {
    try {
      const res = await opts.fetch(url);
      await res.body?.cancel();
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline)
      throw new Error(`${opts.what} was not ready after ${opts.timeoutMs} ms`);
    await sleep(100);
  }
  throw new Error(`${opts.what} stopped while starting`);
}

/** The cloud API as the demo uses it: admin calls with the bootstrap key, app calls with its key. */
export function cloudApi(baseUrl: string, adminKey: string, fetchFn: Fetch) {
  const call = async (key: string, method: string, path: string, body?: unknown, headers = {}) => {
    const res = await fetchFn(baseUrl + path, {
      method,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as unknown) : null };
  };
  const expect = async (want: number, what: string, p: ReturnType<typeof call>) => {
    const res = await p;
    if (res.status !== want) {
      const detail = (res.body as { detail?: string } | null)?.detail ?? JSON.stringify(res.body);
      throw new Error(`${what}: the cloud answered ${res.status}: ${detail}`);
    }
    return res.body;
  };
  return {
    /** `POST /v1/api-keys` role app: the key the sample customer app uses. */
    async createAppKey(): Promise<string> {
      const body = await expect(
        201,
        'creating an app key',
        call(adminKey, 'POST', '/v1/api-keys', {
          role: 'app',
          name: 'demo customer app',
        }),
      );
      return (body as { key: string }).key;
    },
    /** `PUT /v1/lounges/:id`: idempotent, so a reused LOUNGE_DEMO_DIR is fine. */
    async putLounge(): Promise<void> {
      await expect(
        200,
        'creating the lounge',
        call(adminKey, 'PUT', `/v1/lounges/${LOUNGE.id}`, {
          airport: LOUNGE.airport,
          name: LOUNGE.name,
          timezone: 'Europe/Madrid',
        }),
      );
    },
    /** `POST /v1/enrollment-tokens`: single use, for the edge box. */
    async enrollmentToken(): Promise<string> {
      const body = await expect(
        201,
        'creating an enrolment token',
        call(adminKey, 'POST', '/v1/enrollment-tokens', { loungeId: LOUNGE.id, ttlSeconds: 600 }),
      );
      return (body as { token: string }).token;
    },
    /**
     * `POST /v1/invitations` for the sample customer on today's flight. A rerun on a kept data
     * folder meets `409 ALREADY_INVITED`: that invitation (whose token may name an old port as
     * issuer) is revoked and a fresh one issued.
     */
    async issueSample(appKey: string, today: string): Promise<Invitation> {
      const request = {
        customerId: SAMPLE.customerId,
        loungeId: LOUNGE.id,
        flight: { number: SAMPLE.flightNumber, date: today },
        guests: SAMPLE.guests,
      };
      const issue = () =>
        call(appKey, 'POST', '/v1/invitations', request, { 'idempotency-key': randomUUID() });
      let res = await issue();
      const existing = (res.body as { invitationId?: string } | null)?.invitationId;
      if (res.status === 409 && existing) {
        await expect(
          200,
          'revoking the previous sample invitation',
          call(appKey, 'POST', `/v1/invitations/${existing}/revoke`, { reason: 'demo restarted' }),
        );
        res = await issue();
      }
      return (await expect(
        201,
        'issuing the sample invitation',
        Promise.resolve(res),
      )) as Invitation;
    },
  };
}

/** The edge's local API token, from the config `lounge-provision enroll` wrote. */
export async function edgeApiToken(configPath: string): Promise<string> {
  const config = JSON.parse(await readFile(configPath, 'utf8')) as { api?: { token?: string } };
  if (!config.api?.token) throw new Error(`${configPath} has no api.token`);
  return config.api.token;
}

/** Where the edge uploads its access logs: `ibdp.url` from the config enrolment wrote. */
export async function edgeIbdpUrl(configPath: string): Promise<string> {
  const config = JSON.parse(await readFile(configPath, 'utf8')) as { ibdp?: { url?: string } };
  if (!config.ibdp?.url) throw new Error(`${configPath} has no ibdp.url`);
  return config.ibdp.url;
}
