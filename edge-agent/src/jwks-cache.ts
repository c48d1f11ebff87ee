import type { Clock, KeyResolver, VerificationKey } from '@lounge/shared';
import { isEd25519PublicJwk, joinUrl, TOKEN_ALG, type Ed25519PublicJwk } from '@lounge/shared';
import { importJWK } from 'jose';
import type { Logger } from 'pino';
import type { KeyStore } from './state/keys.ts';

/** The slice of `fetch` the agent uses (undici's by default; tests may inject one). */
export type Fetch = (url: string, init?: RequestInit) => Promise<Response>;

export interface JwksCacheOptions {
  keys: KeyStore;
  cloudUrl: string;
  fetch: Fetch;
  clock: Clock;
  log: Logger;
  /** Called with the cloud's `Date` header and our clock when a response arrives. */
  onCloudDate?: (cloudMs: number, localMs: number) => void;
  /** Called after any successful exchange with the cloud. */
  onCloudContact?: (atMs: number) => void;
  timeoutMs?: number;
  /** An unknown `kid` refreshes at most once per this interval (SPEC.md 8: a minute). */
  unknownKidIntervalMs?: number;
}

/**
 * The verification keys: the cloud's JWKS, cached in SQLite so verification works offline.
 * Its `resolver` is what `verifyToken` calls.
 */
export class JwksCache {
  private readonly imported = new Map<string, VerificationKey>();
  /** Kids the cloud retired (SPEC.md 6): never installed again, whatever a JWKS still lists. */
  private readonly retired = new Set<string>();
  private lastOnDemandAt = -Infinity;
  private inFlight: Promise<boolean> | undefined;

  constructor(private readonly opts: JwksCacheOptions) {}

  /** Imports the cached keys; returns how many there are. */
  async load(): Promise<number> {
    await this.install(this.opts.keys.all().map((k) => k.jwk));
    return this.imported.size;
  }

  kids(): string[] {
    return [...this.imported.keys()];
  }

  /**
   * SPEC.md 6: drops retired kids at once, from memory and SQLite, so their tokens are
   * UNKNOWN_KEY from the next scan on, without waiting for a JWKS fetch (which may fail, or
   * reach an instance that has not seen the retirement yet: a kid dropped here is never
   * installed again). Returns the kids it held.
   */
  dropRetired(kids: readonly string[]): string[] {
    const dropped = kids.filter((kid) => this.imported.has(kid));
    for (const kid of kids) {
      this.retired.add(kid);
      this.imported.delete(kid);
    }
    if (kids.length > 0) this.opts.keys.remove(kids);
    if (dropped.length > 0) this.opts.log.warn({ kids: dropped }, 'retired signing keys dropped');
    return dropped;
  }

  /** Fetches the JWKS now; false (logged) when the cloud is unreachable or answers nonsense. */
  refresh(): Promise<boolean> {
    this.inFlight ??= this.fetchJwks().finally(() => (this.inFlight = undefined));
    return this.inFlight;
  }

  /** Key lookup for `verifyToken`: an unknown kid refreshes at most once a minute. */
  readonly resolver: KeyResolver = async (kid) => {
    if (kid === undefined) return undefined;
    const known = this.imported.get(kid);
    if (known) return known;
    const now = this.opts.clock.now();
    const interval = this.opts.unknownKidIntervalMs ?? 60_000;
    if (now - this.lastOnDemandAt >= interval || this.inFlight) {
      if (!this.inFlight) this.lastOnDemandAt = now;
      await this.refresh();
    }
    return this.imported.get(kid);
  };

  private async fetchJwks(): Promise<boolean> {
    const { clock, log } = this.opts;
    const url = joinUrl(this.opts.cloudUrl, '/.well-known/jwks.json');
    try {
      const res = await this.opts.fetch(url, {
        headers: { accept: 'application/json' },
        signal: AbortSignal.timeout(this.opts.timeoutMs ?? 2000),
      });
      const localMs = clock.now();
      const date = Date.parse(res.headers.get('date') ?? '');
      if (Number.isFinite(date)) this.opts.onCloudDate?.(date, localMs);
      if (!res.ok) {
        await res.body?.cancel();
        log.warn({ url, status: res.status }, 'JWKS fetch refused');
        return false;
      }
      const body = (await res.json()) as { keys?: unknown };
      const keys = Array.isArray(body.keys) ? body.keys : [];
      const valid = keys.filter(
        (k): k is Ed25519PublicJwk =>
          isEd25519PublicJwk(k) && typeof k.kid === 'string' && !this.retired.has(k.kid),
      );
      if (valid.length === 0) {
        log.warn({ url }, 'JWKS has no Ed25519 key with a kid; keeping the cache');
        return false;
      }
      await this.install(valid);
      this.opts.keys.replaceAll(
        valid.filter((k) => !this.retired.has(k.kid!)),
        localMs,
      );
      this.opts.onCloudContact?.(localMs);
      log.info({ kids: valid.map((k) => k.kid) }, 'JWKS refreshed');
      return true;
    } catch (err) {
      log.warn({ url, err: (err as Error).message }, 'JWKS fetch failed; using the cache');
      return false;
    }
  }

  private async install(jwks: Ed25519PublicJwk[]): Promise<void> {
    const next = new Map<string, VerificationKey>();
    for (const jwk of jwks) {
      // A fetch in flight when a kid was retired must not bring it back.
      if (!jwk.kid || this.retired.has(jwk.kid)) continue;
      const key = await importJWK({ ...jwk, alg: TOKEN_ALG }, TOKEN_ALG);
      if (!(key instanceof Uint8Array)) next.set(jwk.kid, key);
    }
    this.imported.clear();
    for (const [kid, key] of next) this.imported.set(kid, key);
  }
}
