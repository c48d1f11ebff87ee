import { ProblemError } from '@lounge/shared';
import { problemResponse } from './problems.ts';

/** SPEC.md 8: at most 16 subscribers; the 17th gets 503. */
export const MAX_SSE_SUBSCRIBERS = 16;
/** Bytes a subscriber may have waiting (~150 decisions) before it is dropped. */
export const MAX_SSE_BUFFERED_BYTES = 64 * 1024;

export interface SseHubOptions {
  keepAliveMs?: number;
  maxSubscribers?: number;
  maxBufferedBytes?: number;
}

const encoder = new TextEncoder();
const CONNECTED = encoder.encode(': connected\n\n');
const KEEP_ALIVE = encoder.encode(': keep-alive\n\n');
const HEADERS = {
  'content-type': 'text/event-stream',
  'cache-control': 'no-cache',
  connection: 'keep-alive',
};

type Subscriber = ReadableStreamDefaultController<Uint8Array>;

/**
 * Server-Sent Events for `GET /v1/events`: every decision (`event: decision`) and annulment
 * (`event: annul`) from any source, keep-alive comments so proxies and turnstile controllers
 * keep the connection.
 *
 * Cost per decision stays flat however many clients connect (docs/security.md, SSE threat):
 * the frame is serialised and encoded once and the same bytes are queued to every subscriber;
 * at most 16 subscribers; each one's queue is bounded in bytes (the HTTP server stops pulling
 * from it while the socket is full), and a subscriber whose queue would overflow is dropped
 * rather than buffered without bound. One keep-alive timer serves every subscriber.
 */
export class SseHub {
  private readonly subscribers = new Set<Subscriber>();
  private readonly keepAliveMs: number;
  private readonly maxSubscribers: number;
  private readonly maxBufferedBytes: number;
  private timer: NodeJS.Timeout | undefined;
  private dropped = 0;
  /** Frames of this event-loop turn, sent as one chunk per subscriber after it (see send). */
  private pending: Uint8Array[] = [];

  constructor(opts: SseHubOptions | number = {}) {
    const o = typeof opts === 'number' ? { keepAliveMs: opts } : opts;
    this.keepAliveMs = o.keepAliveMs ?? 15_000;
    this.maxSubscribers = o.maxSubscribers ?? MAX_SSE_SUBSCRIBERS;
    this.maxBufferedBytes = o.maxBufferedBytes ?? MAX_SSE_BUFFERED_BYTES;
  }

  /** Connected subscribers. */
  get size(): number {
    return this.subscribers.size;
  }

  /** Subscribers dropped so far for not keeping up. */
  get droppedSlow(): number {
    return this.dropped;
  }

  /** Sends one event to every subscriber: serialised once, a slow subscriber dropped. */
  broadcast(event: string, data: unknown): void {
    if (this.subscribers.size === 0) return;
    this.send(encoder.encode(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`));
  }

  /** The route handler: a stream, or 503 TOO_MANY_SUBSCRIBERS when the hub is full. */
  handle(c: { req: { raw: Request } }): Response {
    if (this.subscribers.size >= this.maxSubscribers) {
      return problemResponse(
        new ProblemError(
          'TOO_MANY_SUBSCRIBERS',
          `at most ${this.maxSubscribers} event subscribers; try again later`,
        ),
        { 'retry-after': '5' },
      );
    }
    let self: Subscriber | undefined;
    const body = new ReadableStream<Uint8Array>(
      {
        start: (controller) => {
          self = controller;
          this.subscribers.add(controller);
          // The first comment flushes the headers, so the client knows it is subscribed.
          controller.enqueue(CONNECTED);
          this.timer ??= setInterval(() => this.send(KEEP_ALIVE), this.keepAliveMs).unref();
        },
        cancel: () => this.remove(self),
      },
      new ByteLengthQueuingStrategy({ highWaterMark: this.maxBufferedBytes }),
    );
    c.req.raw.signal.addEventListener('abort', () => this.end(self));
    return new Response(body, { status: 200, headers: HEADERS });
  }

  /** Ends every stream (agent stop), so the HTTP server can close. */
  closeAll(): void {
    for (const s of [...this.subscribers]) this.end(s);
  }

  /**
   * Queues a frame; the frames of one event-loop turn (a decision and its occupancy, a group
   * commit's decisions) go out as one chunk per subscriber. Each chunk costs a trip through the
   * web stream into the socket, and with 16 subscribers that trip, not the bytes, is what slowed
   * the scans answered in the same turn.
   */
  private send(frame: Uint8Array): void {
    if (this.pending.push(frame) === 1) setImmediate(() => this.flush());
  }

  private flush(): void {
    const frames = this.pending;
    this.pending = [];
    const frame = frames.length === 1 ? frames[0]! : Buffer.concat(frames);
    for (const s of [...this.subscribers]) {
      // desiredSize = highWaterMark - bytes waiting: what this subscriber may still take.
      if ((s.desiredSize ?? 0) < frame.byteLength) {
        this.dropped++;
        this.remove(s);
        s.error(new Error('SSE subscriber too slow'));
      } else {
        s.enqueue(frame);
      }
    }
  }

  private end(s: Subscriber | undefined): void {
    if (!s || !this.subscribers.has(s)) return;
    this.remove(s);
    // A subscriber with bytes still waiting would hold the close: cut it instead.
    if (s.desiredSize === this.maxBufferedBytes) s.close();
    else s.error(new Error('SSE stream closed'));
  }

  private remove(s: Subscriber | undefined): void {
    if (!s) return;
    this.subscribers.delete(s);
    if (this.subscribers.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }
}
