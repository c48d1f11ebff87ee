// A minimal SSE reader for the agent's GET /v1/events: calls `onDecision` per decision event.

/** Subscribes; resolves once the response headers arrived. `close()` ends the stream. */
export async function subscribeDecisions(
  url: string,
  token: string,
  onDecision: (data: Record<string, unknown>) => void,
): Promise<{ close(): void }> {
  const ac = new AbortController();
  const res = await fetch(`${url}/v1/events`, {
    headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' },
    signal: ac.signal,
  });
  if (!res.ok || !res.body) throw new Error(`GET /v1/events answered ${res.status}`);
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  void (async () => {
    let buf = '';
    for (;;) {
      const { value, done } = await reader.read().catch(() => ({ value: '', done: true }));
      if (done) return;
      buf += value;
      let end: number;
      while ((end = buf.indexOf('\n\n')) >= 0) {
        const frame = buf.slice(0, end);
        buf = buf.slice(end + 2);
        const lines = frame.split('\n');
        if (!lines.includes('event: decision')) continue;
        const data = lines.filter((l) => l.startsWith('data:')).map((l) => l.slice(5).trim());
        onDecision(JSON.parse(data.join('\n')) as Record<string, unknown>);
      }
    }
  })();
  return { close: () => ac.abort() };
}
