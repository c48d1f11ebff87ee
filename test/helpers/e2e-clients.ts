import type { SpawnedProcess } from './process.ts';

/** A JSON object from an API answer. */
export type Json = Record<string, unknown>;

/** Calls the cloud API with one Bearer key, as the customer app or an operator would. */
export function cloudApi(baseUrl: string, key: string) {
  const call = async (method: string, path: string, body?: unknown, headers = {}) => {
    const res = await fetch(baseUrl + path, {
      method,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, json: (text ? JSON.parse(text) : {}) as Json };
  };
  return {
    call,
    /** The answer's body when the status is `want`; otherwise throws with the problem detail. */
    async expect(want: number, method: string, path: string, body?: unknown, headers = {}) {
      const res = await call(method, path, body, headers);
      if (res.status !== want) {
        throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(res.json)}`);
      }
      return res.json;
    },
  };
}

/** What the edge's `GET /healthz` answers (SPEC.md section 8), the parts tests read. */
export interface EdgeHealth {
  status: string;
  sync: { revocationSeq: number; lastSyncAt: string | null; mqtt: string };
  scanners: { id: string; status: string }[];
}

/** The edge agent's local API: health, metrics, and its URL and token for `/v1/events`. */
export function edgeApi(url: string, token: string) {
  return {
    url,
    token,
    async health(): Promise<EdgeHealth> {
      return (await (await fetch(`${url}/healthz`)).json()) as EdgeHealth;
    },
    /** The sum of every series of a Prometheus metric (0 when it has none yet). */
    async metric(name: string): Promise<number> {
      const res = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${token}` } });
      const text = await res.text();
      if (!res.ok) throw new Error(`GET /metrics: ${res.status} ${text}`);
      // A misspelt name would read as 0 forever: it must at least be declared.
      if (!text.includes(`# TYPE ${name} `)) throw new Error(`no metric ${name} in GET /metrics`);
      return text
        .split('\n')
        .filter((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`))
        .reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
    },
  };
}

/** Resolves once `check` holds (a throw counts as not yet); rejects naming `what` after `ms`. */
export async function poll(
  check: () => boolean | Promise<boolean>,
  ms: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      if (await check()) return;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      const why = last instanceof Error ? ` (last error: ${last.message})` : '';
      throw new Error(`${what}: not within ${ms} ms${why}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** SIGTERM, then SIGKILL to the group after `graceMs`; resolves once it has exited. */
export async function stopGracefully(
  proc: SpawnedProcess | undefined,
  graceMs = 5_000,
): Promise<number | null | undefined> {
  if (!proc) return undefined;
  const timer = setTimeout(() => void proc.killHard(), graceMs);
  try {
    return await proc.kill('SIGTERM');
  } finally {
    clearTimeout(timer);
  }
}
