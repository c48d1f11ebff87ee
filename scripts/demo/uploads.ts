/**
 * Watches the edge's `/healthz` `uploads` (SPEC.md 8) so the demo shows its access logs
 * reaching the IBDP stand-in (SPEC.md 9), or why they do not.
 */

interface Uploads {
  pending: number;
  lastUploadAt: string | null;
  lastError: { at: string; status: number | null; detail: string } | null;
}

/** Polls every `intervalMs` until `signal` aborts; calls `say` with a line on each change. */
export function watchUploads(
  healthUrl: string,
  say: (line: string) => void,
  opts: { fetch: typeof fetch; signal: AbortSignal; ibdpUrl: string; intervalMs?: number },
): void {
  let lastUploadAt: string | null | undefined;
  let lastErrorAt: string | undefined;
  const look = async (): Promise<void> => {
    try {
      const res = await opts.fetch(healthUrl, { signal: opts.signal });
      const u = ((await res.json()) as { uploads?: Uploads }).uploads;
      if (!u) return;
      if (lastUploadAt !== undefined && u.lastUploadAt !== lastUploadAt && u.lastUploadAt) {
        say(`  ↑ access log stored by the IBDP stand-in at ${opts.ibdpUrl} (pending ${u.pending})`);
      }
      lastUploadAt = u.lastUploadAt;
      if (u.lastError && u.lastError.at !== lastErrorAt) {
        say(`  ⚠ access-log upload failed: ${u.lastError.detail} (pending ${u.pending})`);
      }
      lastErrorAt = u.lastError?.at;
    } catch {
      // stopping, or the edge is restarting: the next look tells
    }
  };
  const timer = setInterval(() => void look(), opts.intervalMs ?? 1000);
  void look();
  opts.signal.addEventListener('abort', () => clearInterval(timer), { once: true });
}
