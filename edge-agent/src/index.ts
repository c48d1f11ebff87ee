export { createAgent } from './agent.ts';
export type { Agent, AgentDeps, Subsystem } from './agent.ts';
export type { SyncPort } from './sync/port.ts';
export { edgeConfigSchema, loadConfigFile, parseConfig } from './config.ts';
export type { EdgeConfig } from './config.ts';
export { loadDeviceKey } from './device-key.ts';
export { EdgeError } from './errors.ts';
export type { EdgeErrorCode } from './errors.ts';
export { DecisionService } from './decision-service.ts';
export type { DecisionEvent, DecisionSource, ScanInput } from './decision-service.ts';
export type { Annulment } from './annul.ts';
export { DESK_GATE, LoungeOccupancy } from './occupancy/index.ts';
export type {
  Adjustment,
  ExitInput,
  HandAdmission,
  OccupancyActions,
  OccupancyChange,
} from './occupancy/index.ts';
export type { Health } from './health.ts';
export { STUCK_AFTER_MS, readUploadHealth, uploadProblem } from './upload/index.ts';
export type { UploadError, UploadHealth } from './upload/index.ts';
export type { Fetch } from './jwks-cache.ts';
export type { MqttState } from './link-status.ts';
export { openEdgeState, createEdgeState, META } from './state/index.ts';
export type { AccessLogEntry, EdgeState, RevocationResult } from './state/index.ts';
export {
  createScanner,
  createScanners,
  listHidDevices,
  listSerialPorts,
  scannerConfigSchema,
} from './scanners/index.ts';
export type { ScannerConfig } from './scanners/index.ts';
export { hashPin, normaliseStaffName, PIN_RE, STAFF_NAME_RE, verifyPin } from './console/index.ts';
export type { DeskActions, Occupancy } from './console/index.ts';
