import { ProblemError, verifyDeviceAssertion, type Ed25519PublicJwk } from '@lounge/shared';
import type { Context, MiddlewareHandler } from 'hono';
import type { AppDeps } from '../deps.ts';
import { keyIdOf } from '../domain/admin.ts';
import { CloudError } from '../errors.ts';
import { apiKeyMatches, createFailureLimiter, parseApiKey } from '../security/index.ts';
import type { Role } from '../store/port.ts';
import { createRateLimiter } from './rate-limit.ts';

/** Who is calling: an API key with a role, or an enrolled device (device assertion). */
export type Principal =
  { kind: 'key'; id: string; role: Role } | { kind: 'device'; id: string; loungeId: string };

export type Allowed = Role | 'device';

/** Hono env of authenticated routes. */
export interface AuthEnv {
  Variables: { principal: Principal };
}

const bearerOf = (header: string | undefined): string | null => {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return match ? match[1]! : null;
};

/** Failed authentications per client address by default: 20 in a row, then one a second. */
export const AUTH_FAILURES = { burst: 20, perSecond: 1 };

/**
 * Builds `auth(['app', 'admin'])`: refuse an address with too many failed authentications
 * (before any key lookup or signature check), authenticate, authorise, rate-limit per key.
 */
export function createAuth(deps: AppDeps) {
  const now = () => deps.clock.now();
  const limiter = createRateLimiter(deps.settings.rateLimit, now);
  const failures = createFailureLimiter({ ...AUTH_FAILURES, ...deps.authFailures, now });

  async function authenticate(bearer: string): Promise<Principal> {
    const isJwt = bearer.split('.').length === 3;
    // Keys we mint carry their id; a BOOTSTRAP_ADMIN_KEY chosen by an operator does not.
    const keyId = parseApiKey(bearer) ?? (isJwt ? null : keyIdOf(bearer));
    if (keyId) {
      const key = await deps.store.findApiKey(keyId);
      if (!key || key.revokedAt !== null || !apiKeyMatches(bearer, key.hash)) {
        throw new CloudError('UNAUTHORIZED', 'unknown or revoked API key');
      }
      return { kind: 'key', id: key.id, role: key.role };
    }
    let loungeId = '';
    const { deviceId } = await verifyDeviceAssertion(bearer, {
      audience: deps.settings.publicUrl,
      nowMs: deps.clock.now(),
      resolveDevice: async (id: string) => {
        const device = await deps.store.findDevice(id);
        if (!device) return null;
        loungeId = device.loungeId;
        return {
          publicJwk: JSON.parse(device.publicJwk) as Ed25519PublicJwk,
          decommissioned: device.decommissionedAt !== null,
        };
      },
      rememberJti: (id: string, jti: string, expSeconds: number) =>
        deps.store.rememberAssertionJti(id, jti, expSeconds * 1000),
    });
    await deps.store.updateDeviceStatus(deviceId, { lastSeenAt: deps.clock.now() });
    return { kind: 'device', id: deviceId, loungeId };
  }

  /**
   * Runs a credential check under the failed-authentication limiter: an address over its
   * budget is refused before the check runs, and a check that ends in 401 spends from it.
   */
  async function limitFailures<T>(c: Context, check: () => Promise<T>): Promise<T> {
    const address = `address:${deps.clientAddress?.(c) ?? 'unknown'}`;
    const backOffMs = failures.retryAfterMs(address);
    if (backOffMs > 0) {
      throw new CloudError('RATE_LIMITED', 'too many failed authentications from here', {
        retryAfterSeconds: Math.max(1, Math.ceil(backOffMs / 1000)),
      });
    }
    try {
      return await check();
    } catch (err) {
      // ProblemError, not CloudError: a refused device assertion is thrown by @lounge/shared.
      if (err instanceof ProblemError && err.status === 401) failures.fail(address);
      throw err;
    }
  }

  function auth(allowed: readonly Allowed[]): MiddlewareHandler<AuthEnv> {
    return async (c, next) => {
      const principal = await limitFailures(c, () => {
        const bearer = bearerOf(c.req.header('authorization'));
        if (!bearer) throw new CloudError('UNAUTHORIZED', 'Authorization: Bearer … is required');
        return authenticate(bearer);
      });
      const role: Allowed = principal.kind === 'device' ? 'device' : principal.role;
      if (!allowed.includes(role)) {
        throw new CloudError('FORBIDDEN', `this route is not open to ${role} credentials`);
      }
      const waitMs = limiter.take(`${principal.kind}:${principal.id}`);
      if (waitMs > 0) {
        throw new CloudError('RATE_LIMITED', 'too many requests for this key', {
          retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)),
        });
      }
      c.set('principal', principal);
      await next();
    };
  }

  return Object.assign(auth, { limitFailures });
}

export { bearerOf };
