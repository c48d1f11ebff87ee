import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import type { Upstream } from '@lounge/cloud/integrations';

/**
 * One HTTP stand-in server for an airline system: records every request (bodies gunzipped and
 * parsed), answers through a route handler, and fails on demand. See `stand-ins.ts`.
 *
 * Like a real airline gateway, it serves its system under a path prefix (`/gw/loyalty`…) and
 * answers 404 anywhere else, so a client that drops the configured base's path (SPEC.md 8)
 * fails every test that talks to it.
 */

/** `hang` never answers (timeouts); `down` closes the port until another mode reopens it. */
export type StandInMode = 'ok' | 'error500' | 'error429' | 'hang' | 'down';

export interface RecordedRequest {
  method: string;
  /** The path under the stand-in's prefix (`/v1/events`), or the whole path outside it. */
  path: string;
  /** False when the request missed the prefix (answered 404 as a gateway would). */
  routed: boolean;
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  /** Parsed JSON body, the NDJSON records for `application/x-ndjson`, or the text. */
  body: unknown;
  /** IBDP: the body gunzipped and split into parsed NDJSON records. */
  records?: unknown[];
  /** What the stand-in answered; undefined while hanging. */
  status?: number;
  at: number;
}

/** What the CRM (one event) or IBDP (one batch) stored under an `Idempotency-Key`. */
export interface StoredItem {
  key: string;
  dataset?: string;
  body: unknown;
  records?: unknown[];
}

/** What a route handler answers. */
export interface Answer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export type Handler = (req: RecordedRequest, stored: StoredItem[]) => Answer;

/** A problem+json answer (RFC 9457). */
export const problem = (status: number, detail: string): Answer => ({
  status,
  body: { type: 'about:blank', title: detail, status, detail },
  headers: { 'content-type': 'application/problem+json' },
});

/** One stand-in server: its URL, recorded requests, stored items and failure controls. */
export class StandIn {
  readonly requests: RecordedRequest[] = [];
  readonly stored: StoredItem[] = [];
  /** Seconds sent in `Retry-After` with 429 and 503 answers. */
  retryAfterSeconds = 1;
  /**
   * A slow upstream: the request is handled (and stored) at once, the answer sent this many ms
   * later, so a client that timed out retries what was in fact stored.
   */
  answerDelayMs = 0;
  private currentMode: StandInMode = 'ok';
  private failures: Array<{ status: number; headers: Record<string, string> }> = [];
  private port = 0;

  private readonly server: Server;

  private constructor(
    readonly name: Upstream,
    private readonly handler: Handler,
    private readonly token: string | undefined,
    readonly prefix: string,
  ) {
    this.server = createServer((req, res) => {
      this.handle(req).then(
        (answer) => {
          if (!answer) return; // hanging: the socket stays open until close()
          const headers = { 'content-type': 'application/json', ...answer.headers };
          res.writeHead(answer.status, headers);
          res.end(answer.body === undefined ? '' : JSON.stringify(answer.body));
        },
        () => res.destroy(), // the client went away mid-body
      );
    });
  }

  /** Starts a stand-in on 127.0.0.1 with a free port, under `prefix` (default `/gw/{name}`). */
  static async start(
    name: Upstream,
    handler: Handler,
    token?: string,
    prefix = `/gw/${name}`,
  ): Promise<StandIn> {
    const standIn = new StandIn(name, handler, token, prefix.replace(/\/+$/, ''));
    await standIn.listen();
    return standIn;
  }

  /** The base URL to configure: origin plus the path prefix. */
  get url(): string {
    return `http://127.0.0.1:${this.port}${this.prefix}`;
  }

  get mode(): StandInMode {
    return this.currentMode;
  }

  /** The next `n` requests get `status` (with `Retry-After` when it is 429 or 503). */
  failNext(n: number, status: number, headers: Record<string, string> = {}): void {
    for (let i = 0; i < n; i++) this.failures.push({ status, headers });
  }

  /** Switches behaviour; `down` closes the port, any other mode reopens it on the same port. */
  async setMode(mode: StandInMode): Promise<void> {
    const wasDown = this.currentMode === 'down';
    this.currentMode = mode;
    if (mode === 'down' && !wasDown) await this.shut();
    if (mode !== 'down' && wasDown) await this.listen();
  }

  /** Forgets requests, stored items, pending failures; back to `ok`. */
  async reset(): Promise<void> {
    this.requests.length = 0;
    this.stored.length = 0;
    this.failures = [];
    this.answerDelayMs = 0;
    await this.setMode('ok');
  }

  async close(): Promise<void> {
    if (this.currentMode !== 'down') await this.shut();
    this.currentMode = 'down';
  }

  private listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.port, '127.0.0.1', () => {
        this.server.off('error', reject);
        this.port = (this.server.address() as AddressInfo).port;
        resolve();
      });
    });
  }

  private shut(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections(); // also drops hanging and keep-alive sockets
    });
  }

  private async handle(req: IncomingMessage): Promise<Answer | undefined> {
    const url = new URL(req.url ?? '/', 'http://stand-in');
    const routed = url.pathname.startsWith(`${this.prefix}/`);
    const recorded: RecordedRequest = {
      method: req.method ?? 'GET',
      path: routed ? url.pathname.slice(this.prefix.length) : url.pathname,
      routed,
      query: Object.fromEntries(url.searchParams),
      headers: req.headers,
      body: undefined,
      at: Date.now(),
    };
    this.requests.push(recorded);
    const answer = this.decide(recorded, await readBody(req, recorded));
    if (answer) recorded.status = answer.status;
    if (answer && this.answerDelayMs > 0) {
      await new Promise((r) => setTimeout(r, this.answerDelayMs));
    }
    return answer;
  }

  private decide(recorded: RecordedRequest, parseError: string | undefined): Answer | undefined {
    if (this.currentMode === 'hang') return undefined;
    if (!recorded.routed) {
      return problem(
        404,
        `no route ${recorded.method} ${recorded.path} (this gateway serves ${this.prefix}/)`,
      );
    }
    const retryAfter = { 'retry-after': String(this.retryAfterSeconds) };
    const failure = this.failures.shift();
    if (failure) {
      const extra = failure.status === 429 || failure.status === 503 ? retryAfter : {};
      return {
        ...problem(failure.status, 'failing on demand'),
        headers: { ...extra, ...failure.headers },
      };
    }
    if (this.currentMode === 'error500') return problem(500, 'stand-in in error500 mode');
    if (this.currentMode === 'error429')
      return { ...problem(429, 'slow down'), headers: retryAfter };
    if (this.token && recorded.headers.authorization !== `Bearer ${this.token}`) {
      return problem(401, 'missing or wrong bearer token');
    }
    if (parseError) return problem(400, parseError);
    return this.handler(recorded, this.stored);
  }
}

/** Reads, gunzips and parses a request body into `recorded`; returns a parse error, if any. */
async function readBody(
  req: IncomingMessage,
  recorded: RecordedRequest,
): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  let raw = Buffer.concat(chunks);
  if (raw.length === 0) return undefined;
  try {
    if (req.headers['content-encoding'] === 'gzip') raw = gunzipSync(raw);
    const text = raw.toString('utf8');
    const type = req.headers['content-type'] ?? '';
    if (type.startsWith('application/x-ndjson')) {
      const lines = text.split('\n').filter((l) => l.trim() !== '');
      recorded.records = lines.map((l) => JSON.parse(l) as unknown);
      recorded.body = recorded.records;
    } else if (type.startsWith('application/json')) {
      recorded.body = JSON.parse(text) as unknown;
    } else {
      recorded.body = text;
    }
    return undefined;
  } catch (err) {
    return `unreadable body: ${(err as Error).message}`;
  }
}
