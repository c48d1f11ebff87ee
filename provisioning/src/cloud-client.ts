import type { KeyObject } from 'node:crypto';
import {
  createCloudClient,
  type CloudClient as TypedClient,
  type FetchLike,
} from '@lounge/cloud-client';
import type { fetch as undiciFetch } from 'undici';
import { z } from 'zod';
import type { Clock, Ed25519PublicJwk } from '@lounge/shared';
import { createDeviceAssertion, joinUrl } from '@lounge/shared';
import { CliError } from './errors.ts';

/** The fetch the CLI uses (undici's), injected so tests can swap it. */
export type Fetch = typeof undiciFetch;
export type FetchResponse = Awaited<ReturnType<Fetch>>;

/** The enrolment answer (SPEC.md section 5, `POST /v1/devices/enroll`). */
export const enrollmentAnswerSchema = z.object({
  deviceId: z.string().min(1),
  loungeId: z.string().min(1),
  cloudUrl: z.string().min(1),
  issuer: z.string().min(1),
  jwks: z.object({ keys: z.array(z.unknown()) }),
  mqtt: z.object({ url: z.string().min(1), username: z.string().min(1), password: z.string() }),
  ibdp: z.object({ url: z.string().min(1), token: z.string() }),
});
export type EnrollmentAnswer = z.infer<typeof enrollmentAnswerSchema>;

/** The device's identity for signed calls. */
export interface DeviceCredentials {
  deviceId: string;
  issuer: string;
  privateKey: KeyObject;
}

const TIMEOUT_MS = 10_000;

/** A cloud answer the verbs turn into sentences: its status and, if refused, its problem. */
export interface CloudAnswer {
  ok: boolean;
  status: number;
  problem: { code?: string; detail?: string };
}

/** A problem+json answer: its stable `code` and `detail`, when the body has them. */
export async function readProblem(res: FetchResponse): Promise<{ code?: string; detail?: string }> {
  try {
    const body = (await res.json()) as { code?: unknown; detail?: unknown };
    return {
      code: typeof body.code === 'string' ? body.code : undefined,
      detail: typeof body.detail === 'string' ? body.detail : undefined,
    };
  } catch {
    return {};
  }
}

/** Talks to the cloud API; every network failure becomes one sentence naming the URL. */
export class CloudClient {
  constructor(
    private readonly baseUrl: string,
    private readonly fetch: Fetch,
    private readonly clock: Clock,
  ) {}

  /** Sends a request; `auth` is a bearer secret. Network errors become CliError. */
  async send(
    method: string,
    path: string,
    opts: { auth?: string; body?: unknown; timeoutMs?: number } = {},
  ): Promise<FetchResponse> {
    const url = joinUrl(this.baseUrl, path);
    const headers: Record<string, string> = { accept: 'application/json' };
    if (opts.auth) headers.authorization = `Bearer ${opts.auth}`;
    if (opts.body !== undefined) headers['content-type'] = 'application/json';
    try {
      return await this.fetch(url, {
        method,
        headers,
        body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
        signal: AbortSignal.timeout(opts.timeoutMs ?? TIMEOUT_MS),
      });
    } catch (err) {
      throw new CliError(`Cannot reach the cloud at ${this.baseUrl} (${networkReason(err)}).`, {
        code: 'CLOUD_UNREACHABLE',
      });
    }
  }

  /** A request signed with a fresh device assertion. */
  async sendAsDevice(
    creds: DeviceCredentials,
    method: string,
    path: string,
    body?: unknown,
  ): Promise<FetchResponse> {
    const assertion = await createDeviceAssertion({
      deviceId: creds.deviceId,
      privateKey: creds.privateKey,
      audience: creds.issuer,
      nowMs: this.clock.now(),
    });
    return this.send(method, path, { auth: assertion, body });
  }

  /**
   * The typed client (`@lounge/cloud-client`) on this base; `credential` is a secret or, for a
   * device, a fresh assertion per request.
   */
  private api(credential: string | (() => Promise<string>)): TypedClient {
    return createCloudClient({
      baseUrl: this.baseUrl,
      // undici's fetch takes the client's (url, init) and answers a Response of its own class.
      fetch: this.fetch as unknown as FetchLike,
      credential,
      timeoutMs: TIMEOUT_MS,
    });
  }

  /** Runs a typed call; a network failure becomes one sentence naming the URL. */
  private async call<T>(request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (err) {
      throw new CliError(`Cannot reach the cloud at ${this.baseUrl} (${networkReason(err)}).`, {
        code: 'CLOUD_UNREACHABLE',
      });
    }
  }

  private assertions(creds: DeviceCredentials): () => Promise<string> {
    return () =>
      createDeviceAssertion({
        deviceId: creds.deviceId,
        privateKey: creds.privateKey,
        audience: creds.issuer,
        nowMs: this.clock.now(),
      });
  }

  /** `POST /v1/devices/enroll`: trades the one-time token and our public key for credentials. */
  async enroll(
    token: string,
    body: { publicKey: Ed25519PublicJwk; name?: string; hardware?: string },
  ): Promise<EnrollmentAnswer> {
    const { data, error, response } = await this.call(() =>
      // A spread: the schema's JWK takes other members, an interface has no index signature.
      this.api(token).POST('/v1/devices/enroll', {
        body: { ...body, publicKey: { ...body.publicKey } },
      }),
    );
    if (response.ok) {
      const parsed = enrollmentAnswerSchema.safeParse(data);
      if (parsed.success) return parsed.data;
      throw new CliError(`The cloud at ${this.baseUrl} sent an enrolment answer we cannot read.`);
    }
    const problem = problemOf(error);
    if (problem.code === 'ENROLLMENT_TOKEN_USED' || response.status === 409) {
      throw new CliError(
        'The enrolment token has already been used; ask the cloud operator for a new one.',
        { code: 'ENROLLMENT_TOKEN_USED' },
      );
    }
    if (problem.code === 'ENROLLMENT_TOKEN_INVALID' || response.status === 401) {
      throw new CliError(
        'The enrolment token is invalid or has expired; ask the cloud operator for a new one.',
        { code: 'ENROLLMENT_TOKEN_INVALID' },
      );
    }
    throw unexpected(response.status, problem, 'refused the enrolment');
  }

  /** `POST /v1/devices/{id}/decommission`, signed by the device itself. */
  async decommission(creds: DeviceCredentials): Promise<CloudAnswer> {
    const { error, response } = await this.call(() =>
      this.api(this.assertions(creds)).POST('/v1/devices/{id}/decommission', {
        params: { path: { id: creds.deviceId } },
      }),
    );
    return { ok: response.ok, status: response.status, problem: problemOf(error) };
  }

  /** `POST /v1/devices/{id}/key`: registers the new public key, signed with the current one. */
  async rotateKey(creds: DeviceCredentials, publicKey: Ed25519PublicJwk): Promise<CloudAnswer> {
    const { error, response } = await this.call(() =>
      this.api(this.assertions(creds)).POST('/v1/devices/{id}/key', {
        params: { path: { id: creds.deviceId } },
        body: { publicKey: { ...publicKey } },
      }),
    );
    return { ok: response.ok, status: response.status, problem: problemOf(error) };
  }
}

/** The `code` and `detail` of a problem answer, when the body has them. */
function problemOf(error: unknown): { code?: string; detail?: string } {
  const { code, detail } = (typeof error === 'object' && error !== null ? error : {}) as {
    code?: unknown;
    detail?: unknown;
  };
  return {
    code: typeof code === 'string' ? code : undefined,
    detail: typeof detail === 'string' ? detail : undefined,
  };
}

/** A non-2xx answer we have no special sentence for. */
export function unexpected(
  status: number,
  problem: { code?: string; detail?: string },
  what: string,
): CliError {
  const why = problem.detail ?? problem.code ?? `HTTP ${status}`;
  return new CliError(`The cloud ${what} (${status}: ${why.replace(/\.$/, '')}).`, {
    code: problem.code ?? `HTTP_${status}`,
  });
}

/** The innermost useful reason of a fetch failure: ECONNREFUSED, ENOTFOUND, timeout… */
export function networkReason(err: unknown): string {
  let e: unknown = err;
  let message = err instanceof Error ? err.message : String(err);
  for (let i = 0; i < 4 && e; i++) {
    const { code, name } = e as { code?: unknown; name?: unknown };
    if (name === 'TimeoutError' || name === 'AbortError') return 'timed out';
    if (typeof code === 'string' && code !== 'UND_ERR_SOCKET') return code;
    if (e instanceof Error && e.message) message = e.message; // the innermost says most
    e = (e as { cause?: unknown }).cause;
  }
  return message;
}
