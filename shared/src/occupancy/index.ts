export {
  clockTimeSchema,
  closingTimes,
  isTimeZone,
  openingHoursSchema,
  parseHours,
  wallClock,
} from './hours.ts';
export type { OpeningHours } from './hours.ts';
export { insideOf, wouldOverfill } from './occupancy.ts';
export type { Occupancy } from './occupancy.ts';
