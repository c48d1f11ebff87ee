export { SyncService } from './sync-service.ts';
export type { SyncPort, SyncServiceOptions, SyncStatus } from './sync-service.ts';
export { RevocationSync } from './revocation-sync.ts';
export type { RevocationPort } from './revocation-sync.ts';
export { RevocationFeed, FeedError } from './revocation-feed.ts';
export { EntrySync } from './entry-sync.ts';
export type { EntryPort } from './entry-sync.ts';
export { MqttLink } from './mqtt-link.ts';
export { edgeSubsystems, syncPortOf } from './wiring.ts';
