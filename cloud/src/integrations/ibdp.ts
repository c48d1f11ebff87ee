import { promisify } from 'node:util';
import { gzip as gzipCallback } from 'node:zlib';
import type { HttpClient } from './http-client.ts';
import type { IbdpClient, IbdpDataset } from './ports.ts';

const gzip = promisify(gzipCallback);

/** One JSON document per line (https://github.com/ndjson/ndjson-spec), newline-terminated. */
export function toNdjson(records: readonly object[]): string {
  return records.map((r) => JSON.stringify(r) + '\n').join('');
}

/**
 * `POST {IBDP_URL}/v1/ingest/{dataset}` with a gzip NDJSON body and `Idempotency-Key: batchId`
 * (SPEC.md section 5). 2xx or 409 = stored; 429/503 wait for `Retry-After`.
 */
export function httpIbdpClient(http: HttpClient): IbdpClient {
  return {
    async ingest(dataset: IbdpDataset, batchId: string, records: readonly object[]) {
      if (records.length === 0) return; // nothing to store; IBDP would only see an empty batch
      const body = await gzip(toNdjson(records));
      const req = {
        method: 'POST' as const,
        path: `/v1/ingest/${dataset}`,
        headers: {
          'content-type': 'application/x-ndjson',
          'content-encoding': 'gzip',
          'idempotency-key': batchId,
        },
        body,
        idempotent: true,
      };
      await http.call('ingest', req, (answer) => {
        if (answer.status >= 200 && answer.status < 300) return { outcome: 'ok', value: undefined };
        if (answer.status === 409) return { outcome: 'duplicate', value: undefined };
        throw http.unexpected(answer, true);
      });
    },

    /** One attempt, outside the breaker: health checks must see the upstream, not our state. */
    async health(): Promise<boolean> {
      try {
        return await http.probe('/v1/health');
      } catch {
        return false;
      }
    },
  };
}
