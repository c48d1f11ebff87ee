import { createInterface } from 'node:readline';
import { cleanCodeText } from './code-cleanup.ts';
import type { ScannerConfig } from './config.ts';
import type { ScannerDeps } from './driver-deps.ts';
import type { Scanner } from './port.ts';
import { StatusReporter } from './status.ts';

/** Each line of a stream is a scan (the demo, the bench, a keyboard-wedge on a console). */
export function createStdinScanner(
  config: Extract<ScannerConfig, { type: 'stdin' }>,
  deps: ScannerDeps,
): Scanner {
  const { log, clock, events } = deps;
  const input = deps.stdin ?? process.stdin;
  const status = new StatusReporter(config.id, 'stdin', events, log);
  let rl: ReturnType<typeof createInterface> | null = null;
  let closed: Promise<void> = Promise.resolve();

  return {
    id: config.id,
    type: 'stdin',
    start() {
      if (rl) return;
      const reader = createInterface({ input, terminal: false, crlfDelay: Infinity });
      rl = reader;
      closed = new Promise((resolve) => reader.once('close', resolve));
      reader.on('line', (line) => {
        const code = cleanCodeText(line);
        if (code.length === 0) return;
        try {
          events.onScan({ scannerId: config.id, code, receivedAt: clock.now() });
        } catch (err) {
          log.error({ err, scanner: config.id }, 'scan listener threw');
        }
      });
      reader.once('close', () => {
        rl = null;
        status.set('disconnected', 'input closed');
      });
      status.set('connected', 'reading lines');
    },
    async stop() {
      // Closing the reader leaves the stream itself alone: process.stdin is not ours.
      rl?.close();
      await closed;
    },
    health: () => status.health(),
  };
}
