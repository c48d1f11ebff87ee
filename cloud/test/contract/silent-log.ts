import type { StoreLog } from '../../src/store/index.ts';

/** A logger that drops everything (tests assert on behaviour, not on log lines). */
export const silentLog: StoreLog = { info() {}, warn() {}, error() {} };
