import type { EventRefusalCode, LoungeEvent } from '@lounge/shared';
import type { Logger } from 'pino';

/** What applying a received lounge event did (state/peer-events.ts). */
export type ReceivedResult =
  'applied' | 'duplicate' | 'echo' | { refused: EventRefusalCode; detail: string };

/** The lounge-event side of the edge state (a slice of the SyncPort). */
export interface EntryPort {
  /** Checks (as `POST /v1/entries` does) and applies an event from the lounge topic. */
  applyLoungeEvent(event: unknown): ReceivedResult;
  pendingEntries(limit: number): { id: number; event: LoungeEvent }[];
  markEntryPublished(id: number): void;
}

export interface EntrySyncOptions {
  port: EntryPort;
  deviceId: string;
  topic: string;
  /** QoS 1 publish that resolves on PUBACK. */
  publish: (topic: string, payload: string) => Promise<void>;
  log: Logger;
  /** Called for each event of another gate applied or already held (metrics). */
  onReceived?: (result: 'applied' | 'duplicate') => void;
  /** Called for each event refused by the checks (metrics). */
  onRefused?: (code: EventRefusalCode) => void;
  /** Publishes in flight at once. */
  window?: number;
}

/**
 * Lounge events across the gates of a lounge (SPEC.md 6 and 8): other devices' grants and
 * annuls count into our consumption (anti-passback) once they pass the checks of
 * `POST /v1/entries` (a refused one is logged, counted and ignored); ours are drained from the
 * SQLite outbox and marked sent only on PUBACK, so a broker outage or a restart loses none.
 */
export class EntrySync {
  private readonly inFlight = new Set<number>();
  private draining: Promise<void> | undefined;
  private again = false;
  private connected = false;

  constructor(private readonly opts: EntrySyncOptions) {}

  /** A message on the lounge's entries topic; our own echo is ignored. */
  onMessage(payload: unknown): void {
    const result = this.opts.port.applyLoungeEvent(payload);
    if (result === 'echo') return;
    const eventId = (payload as { eventId?: unknown } | null)?.eventId;
    if (typeof result === 'object') {
      this.opts.onRefused?.(result.refused);
      this.opts.log.warn(
        { eventId, code: result.refused, detail: result.detail },
        'lounge event from the topic refused',
      );
      return;
    }
    this.opts.onReceived?.(result);
    this.opts.log.debug({ eventId, result }, 'lounge event from another gate');
  }

  setConnected(up: boolean): void {
    this.connected = up;
    // Publishes of a dead connection never get their PUBACK: they go again on the next one.
    if (!up) this.inFlight.clear();
    else this.drain();
  }

  /** Publishes whatever the outbox holds; call after each grant or annulment (and on a timer). */
  drain(): Promise<void> {
    if (!this.connected) return Promise.resolve();
    if (this.draining) {
      this.again = true;
      return this.draining;
    }
    this.draining = this.run().finally(() => (this.draining = undefined));
    return this.draining;
  }

  private async run(): Promise<void> {
    const window = this.opts.window ?? 50;
    do {
      this.again = false;
      while (this.connected) {
        const batch = this.opts.port
          .pendingEntries(window + this.inFlight.size)
          .filter((e) => !this.inFlight.has(e.id))
          .slice(0, window);
        if (batch.length === 0) break;
        const sent = await Promise.all(batch.map((e) => this.publishOne(e.id, e.event)));
        // A failed publish means the link is going down: the reconnect drains again.
        if (sent.includes(false)) return;
      }
    } while (this.again && this.connected);
  }

  private async publishOne(id: number, event: LoungeEvent): Promise<boolean> {
    this.inFlight.add(id);
    try {
      await this.opts.publish(this.opts.topic, JSON.stringify(event));
      this.opts.port.markEntryPublished(id);
      return true;
    } catch (err) {
      this.opts.log.debug({ eventId: event.eventId, err: (err as Error).message }, 'entry publish');
      return false;
    } finally {
      this.inFlight.delete(id);
    }
  }
}
