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
 * IBDP batch id: a digest of the member event ids, so a retry of the same rows sends the same
 * Idempotency-Key and IBDP stores the batch once.
 */
export const batchIdOf = (ids: readonly string[]): string =>
  'bat_' +
  createHash('sha256')
    .update([...ids].sort().join(','))
    .digest('base64url')
    .slice(0, 26);

/** Delivers rows of one kind in order. MQTT and CRM stop at the first failure (ordering). */
export async function deliver(
  kind: OutboxKind,
  rows: readonly OutboxEvent[],
  to: Deliverers,
): Promise<DeliveryResult> {
  const result: DeliveryResult = { delivered: [], failed: [] };
  if (kind === 'ibdp') {
    const byDataset = new Map<IbdpDataset, { ids: string[]; records: object[] }>();
    for (const row of rows) {
      const p = JSON.parse(row.payload) as IbdpOutboxPayload;
      const group = byDataset.get(p.dataset) ?? { ids: [], records: [] };
      group.ids.push(row.id);
      group.records.push(p.record);
      byDataset.set(p.dataset, group);
    }
    for (const [dataset, group] of byDataset) {
      try {
        await to.ibdp.ingest(dataset, batchIdOf(group.ids), group.records);
        result.delivered.push(...group.ids);
      } catch (err) {
        result.failed.push(...group.ids.map((id) => ({ id, error: message(err) })));
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
      } else {
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
