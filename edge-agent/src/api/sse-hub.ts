import type { Context } from 'hono';
import { streamSSE, type SSEStreamingApi } from 'hono/streaming';

interface Client {
  stream: SSEStreamingApi;
  done: () => void;
}

/**
 * Server-Sent Events for `GET /v1/events`: every decision (`event: decision`) and annulment
 * (`event: annul`) from any source, keep-alive comments so proxies and turnstile controllers
 * keep the connection, clients dropped as soon as they disconnect.
 */
export class SseHub {
  private readonly clients = new Set<Client>();

  constructor(private readonly keepAliveMs: number = 15_000) {}

  get size(): number {
    return this.clients.size;
  }

  /** Sends one event to every connected client; a failed write drops that client. */
  broadcast(event: string, data: unknown): void {
    if (this.clients.size === 0) return;
    const text = JSON.stringify(data);
    for (const client of this.clients) {
      client.stream.writeSSE({ event, data: text }).catch(() => client.done());
    }
  }

  /** The route handler: holds the stream open until the client leaves or the hub closes. */
  handle(c: Context): Response {
    return streamSSE(c, async (stream) => {
      let finish = (): void => {};
      const finished = new Promise<void>((resolve) => (finish = resolve));
      const client: Client = { stream, done: () => finish() };
      this.clients.add(client);
      const timer = setInterval(() => {
        stream.write(': keep-alive\n\n').catch(() => finish());
      }, this.keepAliveMs);
      stream.onAbort(() => finish());
      c.req.raw.signal.addEventListener('abort', () => finish());
      try {
        // The first comment flushes the headers, so the client knows it is subscribed.
        await stream.write(': connected\n\n');
        await finished;
      } finally {
        clearInterval(timer);
        this.clients.delete(client);
      }
    });
  }

  /** Ends every stream (agent stop), so the HTTP server can close. */
  closeAll(): void {
    for (const client of this.clients) client.done();
  }
}
