import type { Clock } from '@lounge/shared';
import { META, type MetaStore } from './state/meta.ts';

export type MqttState = 'connected' | 'disconnected';

/** How long a successful cloud exchange counts as "online": the revocation poll interval. */
export const CLOUD_FRESH_MS = 5 * 60 * 1000;

/**
 * Whether the agent is in touch with the cloud. `offline` on a decision means revocations may
 * be late: the MQTT link is down AND no cloud exchange succeeded in the last 5 minutes.
 */
export class LinkStatus {
  private mqttState: MqttState = 'disconnected';
  private lastCloudContact: number;
  private revocationHead = 0;

  constructor(
    private readonly meta: MetaStore,
    private readonly clock: Clock,
  ) {
    this.lastCloudContact = meta.getNumber(META.lastCloudContactAt) ?? -Infinity;
  }

  get mqtt(): MqttState {
    return this.mqttState;
  }

  setMqtt(state: MqttState): void {
    this.mqttState = state;
  }

  /** Any successful request to the cloud (JWKS, revocation feed). */
  markCloudContact(atMs: number = this.clock.now()): void {
    this.lastCloudContact = atMs;
    this.meta.set(META.lastCloudContactAt, String(atMs));
  }

  /** The highest revocation seq the cloud told of (live message, head, feed). */
  observeRevocationHead(seq: number): void {
    this.revocationHead = Math.max(this.revocationHead, seq);
  }

  /** Revocations known to exist but not applied yet. */
  revocationLag(appliedSeq: number): number {
    return Math.max(0, this.revocationHead - appliedSeq);
  }

  offline(): boolean {
    if (this.mqttState === 'connected') return false;
    return this.clock.now() - this.lastCloudContact > CLOUD_FRESH_MS;
  }
}
