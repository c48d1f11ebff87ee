import { gunzipSync } from 'node:zlib';
import type { Env, Hono } from 'hono';
import type { IbdpClient, IbdpDataset } from '../integrations/ports.ts';

/** Base path of the IBDP stand-in the cloud serves with `INTEGRATIONS=stub`. */
export const STUB_IBDP_PATH = '/stub/ibdp';

/**
 * With `INTEGRATIONS=stub` the devices still need an IBDP to upload access logs to: the cloud
 * serves SPEC.md's IBDP ingest and health routes here and hands the stub the records.
 */
export function stubIbdpRoutes<E extends Env>(app: Hono<E>, ibdp: IbdpClient, token: string): void {
  app.get(`${STUB_IBDP_PATH}/v1/health`, (c) => c.json({ status: 'ok' }));
  app.post(`${STUB_IBDP_PATH}/v1/ingest/:dataset`, async (c) => {
    if (c.req.header('authorization') !== `Bearer ${token}`) {
      return c.json({ error: 'unauthorized' }, 401);
    }
    const dataset = c.req.param('dataset');
    if (dataset !== 'invitations' && dataset !== 'access-logs') {
      return c.json({ error: 'unknown dataset' }, 404);
    }
    let raw = new Uint8Array(await c.req.arrayBuffer());
    if (c.req.header('content-encoding') === 'gzip') raw = gunzipSync(raw);
    let records: object[];
    try {
      records = new TextDecoder()
        .decode(raw)
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => JSON.parse(line) as object);
    } catch {
      return c.json({ error: 'body is not NDJSON' }, 400);
    }
    const batchId = c.req.header('idempotency-key') ?? crypto.randomUUID();
    await ibdp.ingest(dataset as IbdpDataset, batchId, records);
    return c.json({ stored: records.length }, 200);
  });
}
