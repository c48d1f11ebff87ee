export { createConsoleApp } from './app.ts';
export type { ConsoleApp, ConsoleDeps } from './app.ts';
export { createDeskActions, DESK_GATE } from './desk-actions.ts';
export type { DeskActionDeps } from './desk-actions.ts';
export { listenConsole } from './serve.ts';
export type { ConsoleListen } from './serve.ts';
export { localTimeZone, startOfDay } from './day.ts';
export { hashPin, verifyPin, normaliseStaffName, PIN_RE, STAFF_NAME_RE } from './pin-hash.ts';
export type {
  Activity,
  BoxView,
  DayCounters,
  DeskActions,
  HandAdmission,
  LogRow,
  Occupancy,
} from './ports.ts';
