/**
 * Ports for the airline systems the cloud talks to (SPEC.md section 5). One adapter each:
 * undici clients for production, in-process stand-ins for `INTEGRATIONS=stub`.
 */

/** `GET {LOYALTY_URL}/v1/members/{customerId}`. */
export interface Member {
  customerId: string;
  tier: string;
  status: 'active' | 'suspended';
  loungeAccess: boolean;
  guestAllowance: number;
}

/** `GET {ENRICHMENT_URL}/v1/flights/{number}/{date}`. */
export interface Flight {
  number: string;
  date: string;
  /** ISO 8601 date-time of departure. */
  departureTime: string;
  /** IATA code of the departure airport. */
  origin: string;
  terminal: string | null;
}

/** Thrown by a client when its upstream cannot answer (timeout, 5xx, circuit open). */
export class UpstreamUnavailableError extends Error {
  /** The HTTP status of the last answer, when there was one. */
  readonly status: number | undefined;
  /** How long the upstream asked us to wait (`Retry-After`, or the circuit's cool-down). */
  readonly retryAfterMs: number | undefined;

  constructor(
    readonly upstream: 'loyalty' | 'enrichment' | 'crm' | 'ibdp',
    detail: string,
    options: { status?: number; retryAfterMs?: number; cause?: unknown } = {},
  ) {
    super(`${upstream} unavailable: ${detail}`, { cause: options.cause });
    this.name = 'UpstreamUnavailableError';
    this.status = options.status;
    this.retryAfterMs = options.retryAfterMs;
  }
}

export interface LoyaltyClient {
  /** The member, or null when loyalty answers 404 (not a member). */
  getMember(customerId: string): Promise<Member | null>;
}

export interface EnrichmentClient {
  /** The flight, or null when enrichment answers 404. `date` is YYYY-MM-DD. */
  getFlight(number: string, date: string): Promise<Flight | null>;
}

/** `POST {CRM_URL}/v1/events` body. Links to the QR, never the image. */
export interface CrmEvent {
  eventId: string;
  type: 'vip-invitation.issued' | 'vip-invitation.revoked' | 'vip-invitation.reissued';
  occurredAt: string;
  invitationId: string;
  customerId: string;
  loungeId: string;
  validFrom: string;
  validUntil: string;
  qr: { png: string; svg: string; expiresAt: string };
}

export interface CrmClient {
  /** Delivers one event with `Idempotency-Key: eventId`; resolves once stored (2xx). */
  send(event: CrmEvent): Promise<void>;
}

export type IbdpDataset = 'invitations' | 'access-logs';

export interface IbdpClient {
  /**
   * `POST {IBDP_URL}/v1/ingest/{dataset}` with NDJSON (gzip), `Idempotency-Key: batchId`.
   * Resolves when IBDP answers 2xx or 409 (already stored).
   */
  ingest(dataset: IbdpDataset, batchId: string, records: readonly object[]): Promise<void>;
  /** `GET {IBDP_URL}/v1/health`: true on 2xx. */
  health(): Promise<boolean>;
}

export interface Integrations {
  loyalty: LoyaltyClient;
  enrichment: EnrichmentClient;
  crm: CrmClient;
  ibdp: IbdpClient;
}
