import { Counter, Gauge, type Registry } from 'prom-client';

/** What the sync metrics read when Prometheus scrapes. */
export interface SyncGaugeSource {
  connected(): boolean;
  revocationSeq(): number;
  lag(): number;
}

/** The sync's counters, registered on the agent's registry (served at `GET /metrics`). */
export interface SyncMetrics {
  revocationsApplied: Counter;
  catchUps: Counter<'result'>;
  entriesReceived: Counter;
  entriesRefused: Counter<'code'>;
  droppedMessages: Counter<'topic'>;
}

/** Registers the sync metrics; the gauges are read live from `source` at scrape time. */
export function createSyncMetrics(registry: Registry, source: SyncGaugeSource): SyncMetrics {
  const registers = [registry];
  new Gauge({
    name: 'lounge_edge_mqtt_connected',
    help: '1 while the MQTT link to the broker is up.',
    registers,
    collect() {
      this.set(source.connected() ? 1 : 0);
    },
  });
  new Gauge({
    name: 'lounge_edge_revocation_seq',
    help: 'Highest revocation seq applied.',
    registers,
    collect() {
      this.set(source.revocationSeq());
    },
  });
  new Gauge({
    name: 'lounge_edge_revocation_lag',
    help: 'Revocations known to exist (head seq) but not applied yet.',
    registers,
    collect() {
      this.set(source.lag());
    },
  });
  return {
    revocationsApplied: new Counter({
      name: 'lounge_edge_revocations_applied_total',
      help: 'Revocations applied, live or through the catch-up feed.',
      registers,
    }),
    catchUps: new Counter({
      name: 'lounge_edge_revocation_catchups_total',
      help: 'Revocation feed catch-ups, by result (ok or error).',
      labelNames: ['result'],
      registers,
    }),
    entriesReceived: new Counter({
      name: 'lounge_edge_entry_events_received_total',
      help: "Entry events from the lounge's other gates.",
      registers,
    }),
    entriesRefused: new Counter({
      name: 'lounge_edge_lounge_events_refused_total',
      help: 'Lounge events from the topic refused by the checks of POST /v1/entries, by code.',
      labelNames: ['code'],
      registers,
    }),
    droppedMessages: new Counter({
      name: 'lounge_edge_mqtt_dropped_messages_total',
      help: 'MQTT messages dropped because their payload failed validation.',
      labelNames: ['topic'],
      registers,
    }),
  };
}
