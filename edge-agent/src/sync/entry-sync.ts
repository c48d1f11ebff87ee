import { entryEventSchema, type EntryEvent } from '@lounge/shared';
import type { Logger } from 'pino';

/** The entry-event side of the edge state (the agent's SyncHooks fit it). */
export interface EntryPort {
  applyEntryEvent(event: EntryEvent): 'applied' | 'duplicate';
  pendingEntries(limit: number): { id: number; event: EntryEvent }[];
  markEntryPublished(id: number): void;
}

export interface EntrySyncOptions {
  port: EntryPort;
  deviceId: string;
  topic: string;
  /** QoS 1 publish that resolves on PUBACK. */
  publish: (topic: string, payload: string) => Promise<void>;
  log: Logger;
  /** Called for each entry event of another gate (metrics). */
  onReceived?: (result: 'applied' | 'duplicate') => void;
  /** Publishes in flight at once. */
  window?: number;
}

/**
 * Entry events across the gates of a lounge (SPEC.md 6 and 8): other devices' grants and
 * annulments count into our consumption (anti-passback); ours are drained from the SQLite
 * outbox and marked sent only on PUBACK, so a broker outage or a restart loses none.
 */
export class EntrySync {
  private readonly inFlight = new Set<number>();
  private draining: Promise<void> | undefined;
  private again = false;
  private connected = false;

  constructor(private readonly opts: EntrySyncOptions) {}

  /** A message on the lounge's entries topic; our own echo is ignored. */
  onMessage(payload: unknown): void {
    const parsed = entryEventSchema.safeParse(payload);
    if (!parsed.success) {
      this.opts.log.warn({ issues: parsed.error.issues.length }, 'bad entry event dropped');
      return;
    }
    if (parsed.data.deviceId === this.opts.deviceId) return;
    const result = this.opts.port.applyEntryEvent(parsed.data);
    this.opts.onReceived?.(result);
    this.opts.log.debug({ eventId: parsed.data.eventId, result }, 'entry event from another gate');
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

  private async publishOne(id: number, event: EntryEvent): Promise<boolean> {
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
