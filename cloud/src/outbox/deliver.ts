import { createHash } from 'node:crypto';
import type { MqttCredentialRegistry } from '../broker/dynsec.ts';
import type { Publisher } from '../broker/publisher.ts';
import type { CrmEvent, IbdpDataset, Integrations } from '../integrations/ports.ts';
import type { OutboxEvent, OutboxKind } from '../store/port.ts';
import type { BrokerOutboxPayload, IbdpOutboxPayload, MqttOutboxPayload } from './events.ts';

/** The outcome of delivering a claimed batch: which rows went out, which failed and why. */
export interface DeliveryResult {
  delivered: string[];
  failed: { id: string; error: string }[];
}

export interface Deliverers {
  crm: Integrations['crm'];
  ibdp: Integrations['ibdp'];
  publisher: Publisher;
  /** Device logins on the broker (`broker` rows); throws until the broker has the change. */
  credentials?: Pick<MqttCredentialRegistry, 'decommissionDevice'>;
}

const message = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/**
 * IBDP batch id: a digest of the member event ids. Membership is fixed at first send (stored
 * as the rows' batch_id), so every retry sends the same Idempotency-Key and IBDP stores the
 * batch once.
 */
export const batchIdOf = (ids: readonly string[]): string =>
  'bat_' +
  createHash('sha256')
    .update([...ids].sort().join(','))
    .digest('base64url')
    .slice(0, 26);

/** One IBDP batch: its rows, their records, and whether it was formed just now. */
export interface IbdpBatch {
  batchId: string;
  dataset: IbdpDataset;
  ids: string[];
  records: object[];
  /** Formed in this pass: its membership must be stored before it is first sent. */
  fresh: boolean;
}

/**
 * The IBDP batches of claimed rows: rows already sent in a batch keep it (same members, same
 * Idempotency-Key, whoever retries); the others form one new batch per dataset.
 */
export function ibdpBatches(rows: readonly OutboxEvent[]): IbdpBatch[] {
  const batches = new Map<string, IbdpBatch>();
  for (const row of rows) {
    const p = JSON.parse(row.payload) as IbdpOutboxPayload;
    const key = row.batchId ?? `new:${p.dataset}`;
    const batch = batches.get(key) ?? {
      batchId: row.batchId ?? '',
      dataset: p.dataset,
      ids: [],
      records: [],
      fresh: row.batchId === null,
    };
    batch.ids.push(row.id);
    batch.records.push(p.record);
    batches.set(key, batch);
  }
  for (const b of batches.values()) if (b.fresh) b.batchId = batchIdOf(b.ids);
  return [...batches.values()];
}

/** Stores a new batch's membership before its first send (the dispatcher's store call). */
export type AssignBatch = (batchId: string, ids: readonly string[]) => Promise<void>;

/**
 * Whether a claimed MQTT row can be skipped: it is retained and a later row of the same claim
 * replaces it on its topic (a burst of revocations moves the head once, to the last seq).
 */
function superseded(rows: readonly OutboxEvent[], i: number): boolean {
  const p = JSON.parse(rows[i]!.payload) as MqttOutboxPayload;
  if (!p.retain) return false;
  return rows.slice(i + 1).some((r) => {
    const later = JSON.parse(r.payload) as MqttOutboxPayload;
    return later.retain && later.topic === p.topic;
  });
}

/** Delivers rows of one kind in order. MQTT and CRM stop at the first failure (ordering). */
export async function deliver(
  kind: OutboxKind,
  rows: readonly OutboxEvent[],
  to: Deliverers,
  assignBatch: AssignBatch = async () => {},
): Promise<DeliveryResult> {
  const result: DeliveryResult = { delivered: [], failed: [] };
  if (kind === 'ibdp') {
    for (const batch of ibdpBatches(rows)) {
      try {
        if (batch.fresh) await assignBatch(batch.batchId, batch.ids);
        await to.ibdp.ingest(batch.dataset, batch.batchId, batch.records);
        result.delivered.push(...batch.ids);
      } catch (err) {
        result.failed.push(...batch.ids.map((id) => ({ id, error: message(err) })));
      }
    }
    return result;
  }
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!;
    try {
      if (kind === 'crm') {
        await to.crm.send(JSON.parse(row.payload) as CrmEvent);
      } else if (kind === 'broker') {
        const p = JSON.parse(row.payload) as BrokerOutboxPayload;
        await to.credentials?.decommissionDevice(p.deviceId);
      } else if (!superseded(rows, i)) {
        const p = JSON.parse(row.payload) as MqttOutboxPayload;
        await to.publisher.publish(p.topic, JSON.stringify(p.payload), {
          qos: 1,
          retain: p.retain,
        });
      }
      result.delivered.push(row.id);
    } catch (err) {
      // Keep order: what follows the failed row waits for its retry.
      const error = message(err);
      result.failed.push(...rows.slice(i).map((r) => ({ id: r.id, error })));
      break;
    }
  }
  return result;
}
