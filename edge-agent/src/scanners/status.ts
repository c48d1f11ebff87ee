import type { Logger } from 'pino';
import type { ScannerDrop, ScannerEvents, ScannerHealth, ScannerStatus } from './port.ts';

/** Holds a driver's health and reports each change once (to the agent and the log). */
export class StatusReporter {
  private current: ScannerHealth;

  constructor(
    id: string,
    type: string,
    private readonly events: ScannerEvents,
    private readonly log: Logger,
  ) {
    this.current = { id, type, status: 'disconnected', detail: 'not started' };
  }

  health(): ScannerHealth {
    return { ...this.current };
  }

  set(status: ScannerStatus, detail?: string): void {
    if (status === this.current.status && detail === this.current.detail) return;
    this.current = { id: this.current.id, type: this.current.type, status };
    if (detail !== undefined) this.current.detail = detail;
    const level = status === 'error' ? 'error' : status === 'connected' ? 'info' : 'warn';
    this.log[level]({ scanner: this.current.id, status, detail }, `scanner ${status}`);
    try {
      this.events.onStatus(this.health());
    } catch (err) {
      // A failing listener must not take the driver down with it.
      this.log.error({ err, scanner: this.current.id }, 'scanner status listener threw');
    }
  }
}

/** Logs input a driver threw away and tells the agent (for a metric). */
export function reportDrop(deps: { events: ScannerEvents; log: Logger }, drop: ScannerDrop): void {
  deps.log.warn({ scanner: drop.scannerId, reason: drop.reason }, `scanner input: ${drop.detail}`);
  try {
    deps.events.onDropped?.(drop);
  } catch (err) {
    deps.log.error({ err, scanner: drop.scannerId }, 'scanner drop listener threw');
  }
}
