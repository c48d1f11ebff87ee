import {
  joinUrl,
  createDeviceAssertion,
  loungeConfigSchema,
  revocationPageSchema,
  type Clock,
  type Ed25519PrivateJwk,
  type LoungeConfig,
  type QueryParams,
  type RevocationPage,
} from '@lounge/shared';
import type { z } from 'zod';
import type { Fetch } from '../jwks-cache.ts';

export interface RevocationFeedOptions {
  cloudUrl: string;
  /** The cloud's PUBLIC_URL: the audience of device assertions. */
  issuer: string;
  deviceId: string;
  deviceKey: Ed25519PrivateJwk;
  fetch: Fetch;
  clock: Clock;
  timeoutMs?: number;
  /** The cloud's `Date` header of every answer (trusted time, SPEC.md 8). */
  onCloudDate?: (cloudMs: number) => void;
}

/** A refused or failed page request; `status` is the HTTP status when there was one. */
export class FeedError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'FeedError';
  }
}

/**
 * The device-authenticated reads of the cloud (SPEC.md 5): the revocation catch-up feed
 * `GET /v1/revocations?after=SEQ&limit=N` and the box's own lounge `GET /v1/lounges/:id`.
 */
export class RevocationFeed {
  constructor(private readonly opts: RevocationFeedOptions) {}

  /** One page of revocations with seq > `after`, ascending. */
  page(after: number, limit: number): Promise<RevocationPage> {
    const query = { after, limit };
    return this.get('/v1/revocations', query, revocationPageSchema, 'revocation feed');
  }

  /** The lounge's config (capacity, hours, zone), to recover what a broker may have lost. */
  loungeConfig(loungeId: string): Promise<LoungeConfig> {
    const path = `/v1/lounges/${encodeURIComponent(loungeId)}`;
    return this.get(path, {}, loungeConfigSchema, 'lounge config');
  }

  private async get<T>(
    path: string,
    query: QueryParams,
    schema: z.ZodType<T>,
    what: string,
  ): Promise<T> {
    const o = this.opts;
    // A fresh assertion (new jti) per request: the cloud refuses a replayed jti.
    const assertion = await createDeviceAssertion({
      deviceId: o.deviceId,
      privateKey: o.deviceKey,
      audience: o.issuer,
      nowMs: o.clock.now(),
    });
    const url = joinUrl(o.cloudUrl, path, query);
    let res: Response;
    try {
      res = await o.fetch(url, {
        headers: { authorization: `Bearer ${assertion}`, accept: 'application/json' },
        signal: AbortSignal.timeout(o.timeoutMs ?? 10_000),
      });
    } catch (err) {
      throw new FeedError(`${what} unreachable: ${(err as Error).message}`);
    }
    const date = Date.parse(res.headers.get('date') ?? '');
    if (Number.isFinite(date)) o.onCloudDate?.(date);
    if (!res.ok) {
      const detail = await res.text().catch(() => '');
      throw new FeedError(`${what} answered ${res.status}: ${detail.slice(0, 200)}`, res.status);
    }
    const parsed = schema.safeParse(await res.json().catch(() => undefined));
    if (!parsed.success) throw new FeedError(`${what}: unreadable answer`);
    return parsed.data;
  }
}
