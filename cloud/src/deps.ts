import type { Clock, RandomBytes } from '@lounge/shared';
import type { Context } from 'hono';
import type { Logger } from 'pino';
import type { MqttCredentialRegistry } from './broker/dynsec.ts';
import type { Integrations } from './integrations/ports.ts';
import type { CloudMetrics } from './metrics.ts';
import type { KeyRing } from './signing-keys/index.ts';
import type { CloudStore } from './store/port.ts';

/** What the HTTP app and the use cases need; built by the composition root (`cloud.ts`). */
export interface AppDeps {
  settings: {
    publicUrl: string;
    validityBeforeMs: number;
    validityAfterMs: number;
    /** INVITATION_MAX_AHEAD: a departure further ahead is FLIGHT_TOO_FAR_AHEAD. */
    invitationMaxAheadMs: number;
    /** Requests per second per key; 0 = off. */
    rateLimit: number;
    mqttPublicUrl: string;
    /** Handed to devices at enrolment. */
    ibdp: { url: string; token: string };
  };
  store: CloudStore;
  integrations: Integrations;
  clock: Clock;
  log: Logger;
  keys: KeyRing;
  /** HMAC secrets shared by every instance (stored once in the database). */
  secrets: { link: Uint8Array; subject: Uint8Array };
  metrics: CloudMetrics;
  renderQr: (token: string) => Promise<{ png: Uint8Array; svg: string }>;
  /**
   * Wakes the outbox dispatcher after a transaction that wrote outbox rows (and again at
   * `dueAt`, for rows held back until then).
   */
  notifyOutbox: (dueAt?: number) => void;
  /** Broker connection state for `/readyz`. */
  brokerConnected: () => boolean;
  random?: RandomBytes;
  /**
   * The caller's network address (the node-server adapter reads the socket); failed
   * authentications are limited per address. Absent (tests through `app.request()`): one bucket.
   */
  clientAddress?: (c: Context) => string | undefined;
  /** Failed authentications allowed per address: `burst` in a row, `perSecond` earned back. */
  authFailures?: { burst: number; perSecond: number };
  /** Device broker logins (dynsec with mosquitto); absent = nothing to register. */
  mqttCredentials?: MqttCredentialRegistry;
}
