import type { Clock } from '@lounge/shared';

/** SPEC.md 8: a read within 1.5 s of the same scanner's previous read of that code. */
export const DOUBLE_READ_WINDOW_MS = 1500;

export interface DoubleReadFilterOptions {
  clock: Clock;
  windowMs?: number;
  /** Codes remembered at most (a bound on memory under a flood of distinct codes). */
  maxEntries?: number;
}

/** One key per scanner and code: text trimmed (as the verifier reads it), bytes one-to-one. */
function keyOf(scannerId: string, code: Uint8Array | string): string {
  if (typeof code === 'string') return `${scannerId}\ns${code.trim()}`;
  const bytes = Buffer.from(code.buffer, code.byteOffset, code.byteLength);
  return `${scannerId}\nb${bytes.toString('latin1')}`;
}

/**
 * Scanner double reads (SPEC.md 8): a scanner left pointing at a phone reads the same code
 * several times a second. A read of the same code by the same scanner within 1.5 s of its
 * previous read is a double read, dropped before any decision; every read, dropped or not,
 * restarts the window, so a code left on the reader stays dropped until it has been away for
 * 1.5 s. Only what decides is kept apart from I/O here: the caller counts the drops.
 */
export class DoubleReadFilter {
  // Insertion order is last-read order (a key is re-inserted on every read), so the
  // stale entries are always at the front.
  private readonly lastRead = new Map<string, number>();
  private readonly windowMs: number;
  private readonly maxEntries: number;

  constructor(private readonly opts: DoubleReadFilterOptions) {
    this.windowMs = opts.windowMs ?? DOUBLE_READ_WINDOW_MS;
    this.maxEntries = opts.maxEntries ?? 10_000;
  }

  /** True when the read should be decided; false for a double read (drop it). */
  accept(scannerId: string, code: Uint8Array | string): boolean {
    const now = this.opts.clock.now();
    const key = keyOf(scannerId, code);
    const previous = this.lastRead.get(key);
    this.lastRead.delete(key);
    this.lastRead.set(key, now);
    this.forgetBefore(now - this.windowMs);
    // A clock stepped back (previous in the "future") drops this one read; the next, 1.5 s
    // later, is measured from now.
    return previous === undefined || now - previous > this.windowMs;
  }

  /** Codes remembered now (tests, diagnostics). */
  get size(): number {
    return this.lastRead.size;
  }

  private forgetBefore(cutoff: number): void {
    for (const [key, at] of this.lastRead) {
      if (at >= cutoff && this.lastRead.size <= this.maxEntries) break;
      this.lastRead.delete(key);
    }
  }
}
