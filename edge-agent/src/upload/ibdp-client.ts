import { promisify } from 'node:util';
import { gzip as gzipCb } from 'node:zlib';
import { joinUrl, parseRetryAfter, type AccessLogRecord } from '@lounge/shared';
import type { Fetch } from '../jwks-cache.ts';

const gzip = promisify(gzipCb);

/** What became of one batch POST. */
export type SendResult =
  | { kind: 'stored'; status: number }
  /** 429/503 with a readable Retry-After: wait exactly that. */
  | { kind: 'retry-after'; status: number; delayMs: number }
  | { kind: 'failed'; status?: number; error: string };

export interface IbdpClientOptions {
  url: string;
  token: string;
  fetch: Fetch;
  now: () => number;
  timeoutMs?: number;
}

/** NDJSON: one record per line, each ending in a newline. */
export const toNdjson = (records: readonly AccessLogRecord[]): string =>
  records.map((r) => JSON.stringify(r) + '\n').join('');

/** `POST {ibdp.url}/v1/ingest/access-logs` (SPEC.md 5 and 8), gzip NDJSON, idempotent. */
export class IbdpClient {
  private readonly endpoint: string;

  constructor(private readonly opts: IbdpClientOptions) {
    this.endpoint = joinUrl(opts.url, '/v1/ingest/access-logs');
  }

  /** POSTs one batch; `signal` aborts it (shutdown), which counts as a failure to retry. */
  async send(
    batchId: string,
    records: readonly AccessLogRecord[],
    signal?: AbortSignal,
  ): Promise<SendResult> {
    // Async (thread pool) so a scan never waits for it; level 1: NDJSON still shrinks ~10x and
    // a 100,000-record backlog drains in seconds.
    const body = await gzip(Buffer.from(toNdjson(records), 'utf8'), { level: 1 });
    let res: Response;
    try {
      res = await this.opts.fetch(this.endpoint, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${this.opts.token}`,
          'content-type': 'application/x-ndjson',
          'content-encoding': 'gzip',
          'idempotency-key': batchId,
        },
        body,
        signal: AbortSignal.any([
          AbortSignal.timeout(this.opts.timeoutMs ?? 10_000),
          ...(signal ? [signal] : []),
        ]),
      });
    } catch (err) {
      // undici says only "fetch failed"; the cause (ECONNREFUSED, ENOTFOUND…) is what helps.
      const code = (err as { cause?: { code?: unknown } }).cause?.code;
      const why = typeof code === 'string' ? ` (${code})` : '';
      return { kind: 'failed', error: `IBDP unreachable: ${(err as Error).message}${why}` };
    }
    const status = res.status;
    // 409 = a retry of a batch IBDP already has (SPEC.md 5): stored.
    if ((status >= 200 && status < 300) || status === 409) {
      await res.body?.cancel();
      return { kind: 'stored', status };
    }
    const text = await res.text().catch(() => '');
    if (status === 429 || status === 503) {
      const delayMs = parseRetryAfter(res.headers.get('retry-after'), this.opts.now());
      if (delayMs !== undefined) return { kind: 'retry-after', status, delayMs };
    }
    return { kind: 'failed', status, error: `IBDP answered ${status}: ${text.slice(0, 200)}` };
  }
}
