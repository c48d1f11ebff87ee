import { joinUrl } from '@lounge/shared';
import createClient, { type Client } from 'openapi-fetch';
import type { components, paths } from './openapi-types.ts';

/** The typed client: `client.GET('/v1/invitations/{id}', { params: { path: { id } } })`. */
export type CloudClient = Client<paths>;

/** An RFC 9457 problem answer: switch on `code` (docs/cloud-api.md). */
export type Problem = components['schemas']['Problem'];

/** The fetch the client calls: the global one, or any with the same shape (undici's, a fake). */
export type FetchLike = (
  url: string,
  init: { method: string; headers: Record<string, string>; body?: string; signal: AbortSignal },
) => Promise<Response>;

export interface CloudClientOptions {
  /** The cloud's base URL. A path prefix and query (a gateway's) are kept on every call. */
  baseUrl: string;
  /**
   * The `Authorization: Bearer` credential: an API key, or a function called for every request
   * (a device assertion is single use, so each request needs a fresh one). Absent: none sent.
   */
  credential?: string | (() => string | Promise<string>);
  fetch?: FetchLike;
  /** Per request, default 10 s; a call's own `signal` still applies. */
  timeoutMs?: number;
}

/**
 * openapi-fetch builds every URL on this base; the adapter below then re-bases it with
 * `joinUrl`. openapi-fetch alone would concatenate strings, which breaks a base that carries a
 * query (`https://gw/lounge?k=1` + `/v1/…`).
 */
const PLACEHOLDER_BASE = 'http://cloud.invalid';

/** A typed client of the cloud API, generated from its OpenAPI document (SPEC.md 5). */
export function createCloudClient(opts: CloudClientOptions): CloudClient {
  const send: FetchLike = opts.fetch ?? ((url, init) => fetch(url, init));
  const timeoutMs = opts.timeoutMs ?? 10_000;
  return createClient<paths>({
    baseUrl: PLACEHOLDER_BASE,
    fetch: async (request: Request) => {
      const { pathname, search } = new URL(request.url);
      const headers = Object.fromEntries(request.headers);
      const credential =
        typeof opts.credential === 'function' ? await opts.credential() : opts.credential;
      if (credential) headers.authorization = `Bearer ${credential}`;
      const body = request.body ? await request.text() : undefined;
      return send(joinUrl(opts.baseUrl, pathname + search), {
        method: request.method,
        headers,
        ...(body ? { body } : {}),
        signal: AbortSignal.any([request.signal, AbortSignal.timeout(timeoutMs)]),
      });
    },
  });
}
