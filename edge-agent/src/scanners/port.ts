/**
 * The scanner port: every driver (serial, hid-pos, hid-keyboard, stdin) implements it, and the
 * agent knows nothing else about scanners. SPEC.md section 8.
 */
export type ScannerStatus = 'connected' | 'disconnected' | 'error';

export interface ScannerHealth {
  id: string;
  type: string;
  status: ScannerStatus;
  detail?: string;
}

/** What a driver hands the agent: one framed code, raw bytes or text. */
export interface Scan {
  /** The scanner id; used as the gate of the decision. */
  scannerId: string;
  /** Bytes as read (the verifier turns bad UTF-8 into MALFORMED), or text for line drivers. */
  code: Uint8Array | string;
  /** When the last byte of the code arrived (ms since epoch, from the injected clock). */
  receivedAt: number;
}

export interface ScannerEvents {
  onScan(scan: Scan): void;
  onStatus(health: ScannerHealth): void;
  /** Optional: input a driver threw away (oversized code, unreadable report), for a metric. */
  onDropped?(drop: ScannerDrop): void;
}

/** One piece of scanner input that never became a scan. */
export interface ScannerDrop {
  scannerId: string;
  /** `oversized` (over 4 KiB), `unreadable` (garbage report) or `incomplete` (cut short). */
  reason: 'oversized' | 'unreadable' | 'incomplete';
  detail: string;
}

export interface Scanner {
  readonly id: string;
  readonly type: string;
  /** Starts reading; opening failures become status `disconnected`/`error`, never a throw. */
  start(): void;
  /** Stops reading and releases the device; resolves once it is closed. */
  stop(): Promise<void>;
  health(): ScannerHealth;
}
