import { decisionSchema, type Decision } from '@lounge/shared';

/** One Server-Sent Event: its `event:` name and its `data:` text. */
export interface SseEvent {
  event: string;
  data: string;
}

/** Splits an SSE stream into events (WHATWG "event stream" format; comments ignored). */
export async function* readSse(body: ReadableStream<Uint8Array>): AsyncGenerator<SseEvent> {
  const decoder = new TextDecoder();
  let buffer = '';
  let event = 'message';
  let data: string[] = [];
  for await (const chunk of body) {
    buffer += decoder.decode(chunk, { stream: true });
    let newline: number;
    while ((newline = buffer.search(/\r?\n/)) >= 0) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + (buffer[newline] === '\r' ? 2 : 1));
      if (line === '') {
        if (data.length > 0) yield { event, data: data.join('\n') };
        event = 'message';
        data = [];
      } else if (line.startsWith('event:')) {
        event = line.slice(6).trim();
      } else if (line.startsWith('data:')) {
        data.push(line.slice(5).replace(/^ /, ''));
      }
    }
  }
}

/** What the demo prints from the edge's event stream. */
export interface EdgeEventHandlers {
  onDecision(decision: Decision): void;
  onOther(event: SseEvent): void;
}

/**
 * Subscribes to the edge's `GET /v1/events` (SPEC.md section 8). Resolves once the stream is
 * open, so a scan made afterwards is sure to be seen; `closed` settles when the stream ends.
 */
export async function subscribeDecisions(
  url: string,
  apiToken: string,
  handlers: EdgeEventHandlers,
  opts: { fetch: typeof fetch; signal: AbortSignal },
): Promise<{ closed: Promise<void> }> {
  const res = await opts.fetch(url, {
    headers: { authorization: `Bearer ${apiToken}`, accept: 'text/event-stream' },
    signal: opts.signal,
  });
  if (!res.ok || !res.body) throw new Error(`${url} answered ${res.status}`);
  const body = res.body;
  const closed = (async () => {
    try {
      for await (const event of readSse(body)) {
        if (event.event !== 'decision') {
          handlers.onOther(event);
          continue;
        }
        const parsed = decisionSchema.safeParse(parseJson(event.data));
        if (parsed.success) handlers.onDecision(parsed.data);
        else handlers.onOther(event);
      }
    } catch {
      // aborted at shutdown, or the edge went away (the demo notices that by its exit)
    }
  })();
  return { closed };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
