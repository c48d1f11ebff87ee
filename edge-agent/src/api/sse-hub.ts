import { ServerResponse, type OutgoingHttpHeaders } from 'node:http';
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import { ProblemError } from '@lounge/shared';
import { problemResponse } from './problems.ts';

/** SPEC.md 8: at most 16 subscribers; the 17th gets 503. */
export const MAX_SSE_SUBSCRIBERS = 16;
/** Bytes a subscriber may have waiting (~150 decisions) before it is dropped. */
export const MAX_SSE_BUFFERED_BYTES = 64 * 1024;
/**
 * Least time between two writes to the subscribers. A write is a syscall per subscriber, and
 * on loopback ~60 µs of the agent's CPU each: 16 subscribers made a scan cost 1.6x its CPU
 * when each decision was written on its own (docs/performance.md "SSE subscribers"). A frame
 * after a quiet spell still goes out at once; during a burst of scans they go out together,
 * at most 5 ms late (the serial → SSE budget is 20 ms).
 */
export const SSE_MIN_GAP_MS = 5;

export interface SseHubOptions {
  keepAliveMs?: number;
  maxSubscribers?: number;
  maxBufferedBytes?: number;
  /** Least time between two writes to the subscribers (frames in between go together). */
  minGapMs?: number;
}

/** What the hub needs of a Hono context served by @hono/node-server (its `HttpBindings`). */
export interface SseContext {
  env: unknown;
}

const CONNECTED = Buffer.from(': connected\n\n');
const KEEP_ALIVE = Buffer.from(': keep-alive\n\n');
const HEADERS: OutgoingHttpHeaders = {
  'content-type': 'text/event-stream',
  'cache-control': 'no-cache',
  connection: 'keep-alive',
};

/**
 * Server-Sent Events for `GET /v1/events`: every decision (`event: decision`) and annulment
 * (`event: annul`) from any source, keep-alive comments so proxies and turnstile controllers
 * keep the connection.
 *
 * Cost per decision stays flat however many clients connect (docs/security.md, SSE threat):
 * the frame is serialised and encoded once and the same bytes are written to every subscriber's
 * Node response, with no web stream in between (docs/performance.md "SSE subscribers"); at most
 * 16 subscribers; a subscriber whose unsent bytes (`writableLength`: the response's and its
 * socket's buffers) would pass 64 KiB is dropped rather than buffered without bound. One
 * keep-alive timer serves every subscriber.
 */
export class SseHub {
  private readonly subscribers = new Set<ServerResponse>();
  private readonly keepAliveMs: number;
  private readonly maxSubscribers: number;
  private readonly maxBufferedBytes: number;
  private readonly minGapMs: number;
  private lastFlushAt = Number.NEGATIVE_INFINITY;
  private timer: NodeJS.Timeout | undefined;
  private dropped = 0;
  /** Frames of this event-loop turn, written as one chunk per subscriber after it (see send). */
  private pending: Buffer[] = [];

  constructor(opts: SseHubOptions | number = {}) {
    const o = typeof opts === 'number' ? { keepAliveMs: opts } : opts;
    this.keepAliveMs = o.keepAliveMs ?? 15_000;
    this.maxSubscribers = o.maxSubscribers ?? MAX_SSE_SUBSCRIBERS;
    this.maxBufferedBytes = o.maxBufferedBytes ?? MAX_SSE_BUFFERED_BYTES;
    this.minGapMs = o.minGapMs ?? SSE_MIN_GAP_MS;
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
    this.send(Buffer.from(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`));
  }

  /**
   * The route handler: writes the stream's head and first comment to the Node response and
   * answers `RESPONSE_ALREADY_SENT`, or 503 TOO_MANY_SUBSCRIBERS when the hub is full.
   * `headers` are added to the stream's own (the console's security headers).
   */
  handle(c: SseContext, headers: OutgoingHttpHeaders = {}): Response {
    if (this.subscribers.size >= this.maxSubscribers) {
      return problemResponse(
        new ProblemError(
          'TOO_MANY_SUBSCRIBERS',
          `at most ${this.maxSubscribers} event subscribers; try again later`,
        ),
        { 'retry-after': '5' },
      );
    }
    const res = (c.env as { outgoing?: unknown } | undefined)?.outgoing;
    // HTTP/1 only: the agent and the console serve with node:http / node:https.
    if (!(res instanceof ServerResponse)) {
      throw new Error('SSE needs the Node response (@hono/node-server over HTTP/1)');
    }
    // A client already gone is not subscribed (its `close` has fired).
    if (res.destroyed) return RESPONSE_ALREADY_SENT;
    this.subscribers.add(res);
    // Client gone (or the response cut by a drop or stop): no longer a subscriber.
    res.once('close', () => this.remove(res));
    res.writeHead(200, { ...HEADERS, ...headers });
    // The first comment flushes the head, so the client knows it is subscribed.
    res.write(CONNECTED);
    this.timer ??= setInterval(() => this.send(KEEP_ALIVE), this.keepAliveMs).unref();
    return RESPONSE_ALREADY_SENT;
  }

  /** Ends every stream (agent stop), so the HTTP server can close. */
  closeAll(): void {
    for (const res of [...this.subscribers]) {
      this.remove(res);
      // A subscriber with bytes still unsent would hold the close: cut it instead.
      if (res.writableLength === 0) res.end();
      else res.destroy();
    }
  }

  /**
   * Queues a frame. The frames of one event-loop turn (a decision and its occupancy, a group
   * commit's decisions) go out as one write per subscriber after the turn that answered the
   * scans, and during a burst no sooner than `minGapMs` after the last write: fewer writes
   * (each a syscall) per subscriber, none before a scan's own answer.
   */
  private send(frame: Buffer): void {
    if (this.pending.push(frame) > 1) return;
    const wait = this.lastFlushAt + this.minGapMs - performance.now();
    if (wait <= 0) setImmediate(() => this.flush());
    else setTimeout(() => this.flush(), wait);
  }

  private flush(): void {
    this.lastFlushAt = performance.now();
    const frames = this.pending;
    this.pending = [];
    const frame = frames.length === 1 ? frames[0]! : Buffer.concat(frames);
    for (const res of [...this.subscribers]) {
      // A subscriber with nothing waiting always gets the write, however many frames it holds.
      const waiting = res.writableLength;
      if (waiting > 0 && waiting + frame.byteLength > this.maxBufferedBytes) {
        this.dropped++;
        this.remove(res);
        res.destroy();
      } else {
        res.write(frame);
      }
    }
  }

  private remove(res: ServerResponse): void {
    this.subscribers.delete(res);
    if (this.subscribers.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }
}
