import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createCloudClient, type components, type FetchLike } from '@lounge/cloud-client';

/**
 * The demo's conversations with the cloud: the same admin and app calls an operator or the
 * customer app makes (SPEC.md section 5). Nothing here reaches into the cloud's database.
 */

type Fetch = typeof fetch;

/** The demo lounge: MAD terminal 4S (SPEC.md section 4's example). */
export const LOUNGE = { id: 'MAD-T4S-VELAZQUEZ', airport: 'MAD', name: 'Sala VIP Velázquez' };

/** The sample invitation: a stub Platinum member (2 guests allowed) on a MAD flight today. */
export const SAMPLE = { customerId: 'IB0001', flightNumber: 'IB0614', guests: 1 };

/** The invitation the demo prints: the API's answer (GET /v1/invitations/:id plus `token`). */
export type Invitation = components['schemas']['Invitation'];

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

/** The answer of a typed call: its data, or a sentence naming what failed and why. */
async function expectOk<T>(
  what: string,
  call: Promise<{ data?: T; error?: { detail?: string } | unknown; response: Response }>,
): Promise<T> {
  const { data, error, response } = await call;
  if (response.ok && data !== undefined) return data;
  const detail = (error as { detail?: string } | undefined)?.detail ?? JSON.stringify(error);
  throw new Error(`${what}: the cloud answered ${response.status}: ${detail}`);
}

/**
 * The cloud API as the demo uses it, through the typed client the app team uses
 * (`@lounge/cloud-client`): admin calls with the bootstrap key, app calls with its key.
 */
export function cloudApi(baseUrl: string, adminKey: string, fetchFn: Fetch) {
  const fetch: FetchLike = (url, init) => fetchFn(url, init);
  const admin = createCloudClient({ baseUrl, credential: adminKey, fetch });
  return {
    /** `POST /v1/api-keys` role app: the key the sample customer app uses. */
    async createAppKey(): Promise<string> {
      const body = { role: 'app' as const, name: 'demo customer app' };
      return (await expectOk('creating an app key', admin.POST('/v1/api-keys', { body }))).key;
    },
    /** `PUT /v1/lounges/:id`: idempotent, so a reused LOUNGE_DEMO_DIR is fine. */
    async putLounge(): Promise<void> {
      await expectOk(
        'creating the lounge',
        admin.PUT('/v1/lounges/{id}', {
          params: { path: { id: LOUNGE.id } },
          body: { airport: LOUNGE.airport, name: LOUNGE.name, timezone: 'Europe/Madrid' },
        }),
      );
    },
    /** `POST /v1/enrollment-tokens`: single use, for the edge box. */
    async enrollmentToken(): Promise<string> {
      const body = { loungeId: LOUNGE.id, ttlSeconds: 600 };
      return (
        await expectOk('creating an enrolment token', admin.POST('/v1/enrollment-tokens', { body }))
      ).token;
    },
    /**
     * `POST /v1/invitations` for the sample customer on today's flight. A rerun on a kept data
     * folder meets `409 ALREADY_INVITED`: that invitation (whose token may name an old port as
     * issuer) is revoked and a fresh one issued.
     */
    async issueSample(appKey: string, today: string): Promise<Invitation> {
      const app = createCloudClient({ baseUrl, credential: appKey, fetch });
      const issue = () =>
        app.POST('/v1/invitations', {
          params: { header: { 'idempotency-key': randomUUID() } },
          body: {
            customerId: SAMPLE.customerId,
            loungeId: LOUNGE.id,
            flight: { number: SAMPLE.flightNumber, date: today },
            guests: SAMPLE.guests,
          },
        });
      let res = await issue();
      // ALREADY_INVITED names the active invitation (docs/cloud-api.md).
      const existing = (res.error as { invitationId?: string } | undefined)?.invitationId;
      if (res.response.status === 409 && existing) {
        await expectOk(
          'revoking the previous sample invitation',
          app.POST('/v1/invitations/{id}/revoke', {
            params: { path: { id: existing } },
            body: { reason: 'demo restarted' },
          }),
        );
        res = await issue();
      }
      return expectOk('issuing the sample invitation', Promise.resolve(res));
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
