export { DECISION_REASONS, DENY_REASONS, PROBLEM_CODES, statusOf } from './reasons.ts';
export type { DecisionReason, DenyReason, ProblemCode } from './reasons.ts';
export { PROBLEM_CONTENT_TYPE, ProblemError, problem } from './problem.ts';
export type { Problem } from './problem.ts';
export {
  DEVICE_ID_RE,
  EVENT_ID_RE,
  INVITATION_ID_RE,
  isUlid,
  newDeviceId,
  newEventId,
  newInvitationId,
  ulid,
} from './ids.ts';
export type { RandomBytes } from './ids.ts';
export { formatDuration, parseDuration } from './duration.ts';
export { ManualClock, systemClock, toSeconds } from './clock.ts';
export type { Clock } from './clock.ts';
export {
  LOUNGE_ID_RE,
  MAX_CODE_BYTES,
  MAX_TOKEN_LENGTH,
  SUBJECT_RE,
  TOKEN_ALG,
  tokenClaimsSchema,
} from './token/claims.ts';
export type { TokenClaims, TokenHeader } from './token/claims.ts';
export { isEd25519PublicJwk, publicJwkOf } from './token/jwks.ts';
export type { Ed25519PrivateJwk, Ed25519PublicJwk, Jwks } from './token/jwks.ts';
export { fitsQrBudget, importSigningKey, signToken } from './token/sign.ts';
export type { SigningKey } from './token/sign.ts';
export { checkClaims, parseCompactJws, verifyJws, verifyToken } from './token/verify.ts';
export type {
  ClaimCheckOptions,
  KeyResolver,
  Rejection,
  SignatureVerifier,
  VerificationKey,
  VerifiedToken,
  VerifyOptions,
} from './token/verify.ts';
export { ANNUL_WINDOW_MS, admitByHandOutcome, canAnnul, decide } from './decide/decide.ts';
export {
  clockTimeSchema,
  closingTimes,
  insideOf,
  isTimeZone,
  openingHoursSchema,
  parseHours,
  wallClock,
  wouldOverfill,
} from './occupancy/index.ts';
export type { Occupancy, OpeningHours } from './occupancy/index.ts';
export type { DecideInput, DecisionOutcome, InvitationState } from './decide/decide.ts';
export { accessLogRecordSchema, decisionSchema } from './schemas/decision.ts';
export type { AccessLogRecord, Decision } from './schemas/decision.ts';
export {
  deviceOfflineSchema,
  deviceStatusSchema,
  heartbeatSchema,
  heartbeatSeq,
} from './schemas/heartbeat.ts';
export type { DeviceOffline, DeviceStatus, Heartbeat } from './schemas/heartbeat.ts';
export {
  TOPICS,
  keysMessageSchema,
  loungeConfigSchema,
  revocationHeadSchema,
  revocationMessageSchema,
  revocationPageSchema,
} from './topics.ts';
export type {
  KeysMessage,
  LoungeConfig,
  RevocationHead,
  RevocationMessage,
  RevocationPage,
} from './topics.ts';
export {
  EVENT_REFUSAL_CODES,
  adjustEventSchema,
  annulEventSchema,
  checkLoungeEvent,
  checkLoungeEvents,
  exitEventSchema,
  grantEventSchema,
  loungeEventSchema,
} from './lounge-events/index.ts';
export type {
  AdjustEvent,
  AnnulEvent,
  EventCheck,
  EventContext,
  EventRefusalCode,
  ExitEvent,
  GrantEvent,
  KnownGrant,
  LoungeEvent,
  LoungeEventType,
} from './lounge-events/index.ts';
export {
  CircuitBreaker,
  CircuitOpenError,
  ManualTimers,
  Pause,
  backgroundTimers,
  backoffDelay,
  every,
  joinUrl,
  parseRetryAfter,
  retry,
  retryAfterOf,
  sleep,
  systemTimers,
  watchParent,
} from './lib/index.ts';
export type {
  BackoffOptions,
  CircuitBreakerOptions,
  CircuitState,
  Jitter,
  ParentWatchOptions,
  QueryParams,
  RetryOptions,
  Sleep,
  TimerHandle,
  Timers,
} from './lib/index.ts';
export {
  MAX_ASSERTION_TTL_SECONDS,
  createDeviceAssertion,
  verifyDeviceAssertion,
} from './auth/device-assertion.ts';
export type {
  AssertedDevice,
  CreateDeviceAssertionOptions,
  VerifyDeviceAssertionOptions,
} from './auth/device-assertion.ts';
export {
  JsonSyntaxProblem,
  clockTime,
  firstErrorOffset,
  locateJsonError,
  logFormatFor,
  parseJsonText,
  prettyDestination,
  prettyLogLine,
} from './text/index.ts';
export type { JsonSyntaxError, LogFormat } from './text/index.ts';
