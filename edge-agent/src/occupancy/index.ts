export { occupancyActions } from './actions.ts';
export type { OccupancyActions } from './actions.ts';
export { DESK_GATE, PASSAGE_ID_TTL_MS } from './desk.ts';
export type { Adjustment, ExitInput, HandAdmission, OccupancyChange } from './desk.ts';
export { LoungeOccupancy } from './lounge-occupancy.ts';
