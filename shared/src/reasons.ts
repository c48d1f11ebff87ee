/**
 * Decision reason codes (SPEC.md section 8), in the order the checks run.
 * One source of truth for the edge, the cloud's `/v1/validate` and IBDP records.
 */
export const DENY_REASONS = [
  'MALFORMED',
  'UNSUPPORTED_ALG',
  'UNKNOWN_KEY',
  'BAD_SIGNATURE',
  'WRONG_LOUNGE',
  'NOT_YET_VALID',
  'EXPIRED',
  'REVOKED',
  'ALREADY_USED',
  // Not a check: the answer to a turnstile retry (same scanId) of a grant annulled since.
  'ANNULLED',
] as const;

export type DenyReason = (typeof DENY_REASONS)[number];
/** `OVERRIDE`: a desk override, always with `staff` (SPEC.md 8 "Desk overrides"). */
export type DecisionReason = DenyReason | 'OK' | 'OVERRIDE';

export const DECISION_REASONS: readonly DecisionReason[] = [...DENY_REASONS, 'OK', 'OVERRIDE'];

/**
 * Problem codes of the HTTP APIs (SPEC.md section 5 and 8), with their HTTP status.
 * Routes map domain errors to these; clients switch on `code`.
 */
export const PROBLEM_CODES = {
  INVALID_REQUEST: 400,
  UNAUTHORIZED: 401,
  ENROLLMENT_TOKEN_INVALID: 401,
  DEVICE_DECOMMISSIONED: 401,
  FORBIDDEN: 403,
  NOT_ELIGIBLE: 403,
  INVALID_LINK: 403,
  NOT_FOUND: 404,
  INVITATION_NOT_FOUND: 404,
  DECISION_NOT_FOUND: 404,
  API_KEY_NOT_FOUND: 404,
  ALREADY_INVITED: 409,
  ENROLLMENT_TOKEN_USED: 409,
  ANNUL_WINDOW_PASSED: 409,
  ALREADY_ANNULLED: 409,
  IDEMPOTENCY_IN_PROGRESS: 409,
  SCAN_ID_REUSED: 409,
  LAST_ADMIN_KEY: 409,
  INVITATION_REVOKED: 410,
  INVITATION_EXPIRED: 410,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  IDEMPOTENCY_KEY_REUSED: 422,
  TOO_MANY_GUESTS: 422,
  UNKNOWN_LOUNGE: 422,
  FLIGHT_NOT_FROM_LOUNGE_AIRPORT: 422,
  FLIGHT_NOT_FOUND: 422,
  FLIGHT_DEPARTED: 422,
  FLIGHT_TOO_FAR_AHEAD: 422,
  RATE_LIMITED: 429,
  INTERNAL: 500,
  LOYALTY_UNAVAILABLE: 503,
  ENRICHMENT_UNAVAILABLE: 503,
  NOT_READY: 503,
  DATABASE_UNAVAILABLE: 503,
  TOO_MANY_SUBSCRIBERS: 503,
} as const;

export type ProblemCode = keyof typeof PROBLEM_CODES;

/** The HTTP status that goes with a problem code. */
export function statusOf(code: ProblemCode): number {
  return PROBLEM_CODES[code];
}
