export {
  adjustEventSchema,
  annulEventSchema,
  exitEventSchema,
  grantEventSchema,
  loungeEventSchema,
} from './schema.ts';
export type {
  AdjustEvent,
  AnnulEvent,
  ExitEvent,
  GrantEvent,
  LoungeEvent,
  LoungeEventType,
} from './schema.ts';
export { EVENT_REFUSAL_CODES, checkLoungeEvent, checkLoungeEvents } from './check.ts';
export type { EventCheck, EventContext, EventRefusalCode, KnownGrant } from './check.ts';
