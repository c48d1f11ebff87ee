/** Stable codes for the edge agent's own failures (start-up, configuration). */
export type EdgeErrorCode =
  | 'CONFIG_INVALID'
  | 'CONFIG_NOT_FOUND'
  | 'DEVICE_KEY_INVALID'
  | 'DECOMMISSIONED'
  /** A wrong command line (unknown flag or argument): exit 2. */
  | 'USAGE';

/** An edge start-up error; `lines` are what the operator reads, one problem per line. */
export class EdgeError extends Error {
  readonly code: EdgeErrorCode;
  readonly lines: string[];

  constructor(code: EdgeErrorCode, lines: string[]) {
    super(lines.join('\n'));
    this.name = 'EdgeError';
    this.code = code;
    this.lines = lines;
  }
}
