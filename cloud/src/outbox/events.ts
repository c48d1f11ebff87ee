import { newEventId as randomEventId } from '@lounge/shared';
import type { CrmEvent, IbdpDataset } from '../integrations/ports.ts';
import type { OutboxEventInput } from '../store/port.ts';

let lastMs = -1;
let digits = new Uint8Array(16);

/**
 * Event ids that sort in creation order within this process, even within one millisecond
 * (monotonic ULID): the dispatcher delivers by (createdAt, id), and revocations published in
 * seq order spare the edges a catch-up.
 */
export function newEventId(now: number): string {
  if (now > lastMs) {
    lastMs = now;
    digits = globalThis.crypto.getRandomValues(new Uint8Array(16)).map((b) => b & 15);
  } else {
    for (let i = 15; i >= 0; i--) {
      digits[i] = (digits[i]! + 1) & 31;
      if (digits[i] !== 0) break;
    }
  }
  const snapshot = digits.slice();
  return randomEventId(lastMs, () => snapshot);
}

/** Payload of an `mqtt` outbox row. */
export interface MqttOutboxPayload {
  topic: string;
  payload: unknown;
  retain: boolean;
}

/** Payload of an `ibdp` outbox row: one NDJSON record for a dataset. */
export interface IbdpOutboxPayload {
  dataset: IbdpDataset;
  record: Record<string, unknown>;
}

/** One CRM event row; the event id is also the row id (the CRM's Idempotency-Key). */
export function crmRow(event: Omit<CrmEvent, 'eventId'>, now: number): OutboxEventInput {
  const id = newEventId(now);
  const full: CrmEvent = { eventId: id, ...event };
  return { id, kind: 'crm', payload: JSON.stringify(full), createdAt: now };
}

/** One IBDP record row; the record carries its eventId so IBDP readers can de-duplicate. */
export function ibdpRow(
  dataset: IbdpDataset,
  record: Record<string, unknown>,
  now: number,
): OutboxEventInput {
  const id = newEventId(now);
  const payload: IbdpOutboxPayload = { dataset, record: { eventId: id, ...record } };
  return { id, kind: 'ibdp', payload: JSON.stringify(payload), createdAt: now };
}

/** Payload of a `broker` outbox row: a device-login change the broker must be told. */
export interface BrokerOutboxPayload {
  action: 'decommission';
  deviceId: string;
}

/**
 * One `broker` row: applied by any instance's dispatcher (the outbox lane), retried until the
 * broker has it, so a decommission outlives the instance that took it.
 */
export function brokerRow(payload: BrokerOutboxPayload, now: number): OutboxEventInput {
  // orderKey null: rows of one device are idempotent and need no order among themselves.
  const id = newEventId(now);
  return { id, kind: 'broker', payload: JSON.stringify(payload), createdAt: now, orderKey: null };
}

/** One MQTT publication row (QoS 1). */
export function mqttRow(
  topic: string,
  payload: unknown,
  retain: boolean,
  now: number,
): OutboxEventInput {
  const body: MqttOutboxPayload = { topic, payload, retain };
  return { id: newEventId(now), kind: 'mqtt', payload: JSON.stringify(body), createdAt: now };
}
